"""A missing load tool or nginx stops the bench at once with the apt-get line that brings it."""

from bench import prerequisites


def only_without(monkeypatch, absent: set[str]) -> None:
    monkeypatch.setattr(
        prerequisites.shutil,
        "which",
        lambda command, path=None: None if command in absent else f"/usr/bin/{command}",
    )


def test_missing_commands_are_named_by_their_debian_package(monkeypatch):
    only_without(monkeypatch, {"hey", "nginx"})
    assert prerequisites.missing() == ["hey", "nginx"]


def test_nothing_missing_when_every_command_is_there(monkeypatch):
    only_without(monkeypatch, set())
    assert prerequisites.missing() == []


def test_the_bench_exits_with_the_install_line_before_starting_anything(monkeypatch, capsys, tmp_path):
    from bench import __main__ as entry

    only_without(monkeypatch, {"wrk", "hey"})
    monkeypatch.setattr(entry, "TARGETS", dict.fromkeys(entry.TARGETS))  # starting one would fail
    assert entry.main(["--out", str(tmp_path)]) == 2
    assert "apt-get install -y wrk hey" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())
