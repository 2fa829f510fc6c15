"""A reconciliation report as text for an operator, or as JSON for a script."""

import json
from typing import Any

from fileuploader_runtime.reconcile.report import Finding, ReconcileReport


def report_as_json(report: ReconcileReport, service: str) -> str:
    return json.dumps(_as_dict(report, service), indent=2)


def report_as_text(report: ReconcileReport, service: str) -> str:
    mode = "check and repair" if report.repair else "check only"
    checked = ", ".join(f"{count} {what.replace('_', ' ')}" for what, count in report.checked.items())
    lines = [f"{service} reconciliation ({mode}): checked {checked or 'nothing'}"]
    for kind, tally in report.tallies.items():
        if not tally.found:
            continue
        counts = f"{tally.found} found, {tally.repaired} repaired, {tally.remaining} remaining"
        lines.append(f"{kind}: {counts if report.repair else f'{tally.found} found'}")
        lines.extend(f"  {_finding_line(finding)}" for finding in tally.samples)
        if len(tally.samples) < tally.found:
            lines.append(f"  ... and {tally.found - len(tally.samples)} more")
    lines.extend(f"note: {note}" for note in report.notes)
    lines.extend(f"error: {error}" for error in report.errors)
    if not report.differences and not report.errors:
        lines.append("no differences")
    return "\n".join(lines)


def _finding_line(finding: Finding) -> str:
    line = f"{finding.subject}  {finding.detail}"
    return f"{line}  [{finding.action}]" if finding.action else line


def _as_dict(report: ReconcileReport, service: str) -> dict[str, Any]:
    return {
        "service": service,
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
        "notes": report.notes,
        "errors": report.errors,
    }
