"""A reconciliation report as text for an operator, or as JSON for a script."""

import json
from typing import Any

from files_service.domain.reconciliation import Finding, ReconcileReport

SERVICE = "files"


def report_as_json(report: ReconcileReport) -> str:
    return json.dumps(_as_dict(report), indent=2)


def report_as_text(report: ReconcileReport) -> str:
    mode = "check and repair" if report.repair else "check only"
    checked = ", ".join(f"{count} {what.replace('_', ' ')}" for what, count in report.checked.items())
    lines = [f"{SERVICE} reconciliation ({mode}): checked {checked or 'nothing'}"]
    for kind, tally in report.tallies.items():
        if not tally.found:
            continue
        counts = f"{tally.found} found, {tally.repaired} repaired, {tally.remaining} remaining"
        lines.append(f"{kind}: {counts if report.repair else f'{tally.found} found'}")
        lines.extend(f"  {_finding_line(finding)}" for finding in tally.samples)
        if len(tally.samples) < tally.found:
            lines.append(f"  ... and {tally.found - len(tally.samples)} more")
    lines.extend(f"error: {error}" for error in report.errors)
    if not report.differences and not report.errors:
        lines.append("no differences")
    return "\n".join(lines)


def _finding_line(finding: Finding) -> str:
    line = f"{finding.subject}  {finding.detail}"
    return f"{line}  [{finding.action}]" if finding.action else line


def _as_dict(report: ReconcileReport) -> dict[str, Any]:
    return {
        "service": SERVICE,
        "repair": report.repair,
        "exit_status": report.exit_status,
        "differences": report.differences,
        "checked": report.checked,
        "kinds": {
            kind.value: {
                "found": tally.found,
                "repaired": tally.repaired,
                "remaining": tally.remaining,
                "samples": [
                    {"subject": finding.subject, "detail": finding.detail, "action": finding.action}
                    for finding in tally.samples
                ],
            }
            for kind, tally in report.tallies.items()
        },
        "errors": report.errors,
    }
