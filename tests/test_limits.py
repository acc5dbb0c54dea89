"""Limits on what user files can cost: writes never replace a special file, reads never hang on
one, and a model file over the parameter limit is refused before it is built (in a subprocess
under an address-space limit, so a regression fails instead of eating the machine)."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import textwrap
import time

import pytest

import microgradnet.nn as nn
from microgradnet import _files
from microgradnet.serialization import MAX_PARAMETERS

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs, sockets and rlimits are POSIX")


def fingerprint(path) -> tuple[int, int, int]:
    """What 'unchanged' means for a special file: same kind, same inode, same device."""
    st = os.lstat(path)
    return stat.S_IFMT(st.st_mode), st.st_ino, st.st_dev


def make_fifo(tmp_path):
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def make_socket(tmp_path):
    path = tmp_path / "sock"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(path))
    s.close()  # the socket file stays in the folder
    return path


def make_folder(tmp_path):
    path = tmp_path / "folder.json"
    path.mkdir()
    (path / "inside.txt").write_text("kept")
    return path


def make_device(tmp_path):
    path = tmp_path / "null"
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a /dev/null twin
    except PermissionError:
        pytest.skip("creating a device node needs root (CAP_MKNOD); the other kinds are tested")
    return path


SPECIAL = {"fifo": make_fifo, "socket": make_socket, "folder": make_folder, "device": make_device}


@pytest.mark.parametrize("kind", SPECIAL)
def test_saving_onto_a_special_file_is_a_one_line_error_and_leaves_it_as_it_was(tmp_path, kind):
    path = SPECIAL[kind](tmp_path)
    before = fingerprint(path)
    with pytest.raises(OSError, match="not a regular file") as info:
        nn.MLP(2, [2, 1], rng=0).save(path)
    assert isinstance(info.value, _files.NotARegularFile)
    assert "\n" not in str(info.value) and str(path) in str(info.value)
    assert fingerprint(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary file left
    if kind == "folder":
        assert (path / "inside.txt").read_text() == "kept"


@pytest.mark.parametrize("kind", SPECIAL)
def test_loading_from_a_special_file_fails_at_once(tmp_path, kind):
    path = SPECIAL[kind](tmp_path)
    # in a subprocess: if the read blocked (a FIFO with no writer), the test fails on the timeout
    code = f"""
        import microgradnet.nn as nn
        try:
            nn.load_model({str(path)!r})
        except OSError as e:
            from microgradnet._files import NotARegularFile
            print(isinstance(e, NotARegularFile), e)
    """
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("True") and "not a regular file" in done.stdout
    assert time.monotonic() - start < 60


def test_a_link_to_a_model_file_stays_a_link_and_its_file_gets_the_new_model(tmp_path):
    real = tmp_path / "real.json"
    nn.MLP(2, [1], rng=0).save(real)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    model = nn.MLP(2, [1], rng=5)
    model.save(link)
    assert link.is_symlink()
    assert [p.data for p in nn.load_model(real).parameters()] == [p.data for p in model.parameters()]


def test_a_link_to_a_fifo_is_refused_too(tmp_path):
    fifo = make_fifo(tmp_path)
    link = tmp_path / "link.json"
    link.symlink_to(fifo)
    with pytest.raises(_files.NotARegularFile):
        nn.MLP(2, [1], rng=0).save(link)
    assert link.is_symlink() and stat.S_ISFIFO(os.stat(link).st_mode)


def test_read_bytes_reads_a_regular_file_up_to_one_byte_past_the_limit(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"x" * 100)
    assert _files.read_bytes(path, 1000) == b"x" * 100
    assert _files.read_bytes(path, 10) == b"x" * 11  # the caller sees that the file is over 10


def write_big_mlp_file(path, sizes: list[int]) -> int:
    """A real model file of ``sizes`` with every weight 0, written without building the model
    (that is what the limit prevents); returns its parameter count."""
    with open(path, "w") as f:
        f.write(json.dumps({"format": "microgradnet", "version": 1, "module": "MLP", "sizes": sizes,
                            "act": "relu"})[:-1] + ', "layers": [')
        for k, (a, b) in enumerate(zip(sizes, sizes[1:])):
            row = "[" + ",".join(["0"] * a) + "]"
            bias = ",".join(["0"] * b)
            f.write(("," if k else "") + '{"W": [' + ",".join([row] * b) + '], "b": [' + bias + "]}")
        f.write("]}")
    return sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))


def test_a_model_over_the_parameter_limit_is_refused_within_1_gb(tmp_path):
    path = tmp_path / "huge.json"
    count = write_big_mlp_file(path, [2, 2000, 2000, 1])
    assert count > MAX_PARAMETERS and path.stat().st_size < 20 * 2**20
    code = f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))
        import microgradnet.nn as nn
        try:
            nn.load_model({str(path)!r})
        except ValueError as e:
            print("ValueError", e)
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent (the test
        # run's own size), while VmHWM belongs to this program's memory alone
        hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0]
        print("peak MB", int(hwm.split()[1]) // 1024)
    """
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    first, peak = done.stdout.splitlines()
    assert first.startswith("ValueError") and f"{count:,} parameters" in first and "1,000,000" in first
    # memory a small multiple of the file: the parsed JSON, never the network
    assert int(peak.split()[-1]) < 200 + 20 * path.stat().st_size / 2**20


def test_a_model_at_the_limit_is_still_accepted_by_the_check(tmp_path):
    # the check itself, not a million-parameter build: sizes exactly at the limit pass the count
    from microgradnet.serialization import check_fits

    state = {"layers": [[0.0] * MAX_PARAMETERS]}
    check_fits(state, MAX_PARAMETERS)
    with pytest.raises(ValueError, match="over microgradnet's limit"):
        check_fits(state, MAX_PARAMETERS + 1)


def test_every_user_file_is_written_through_the_one_atomic_helper():
    """No module but _files.py renames files into place or opens one for writing: so every write
    gets the atomic rename and the regular-file check (a second helper would miss one or both)."""
    import re
    from pathlib import Path

    import microgradnet

    package = Path(microgradnet.__file__).parent
    writes = re.compile(r"os\.replace\(|os\.rename\(|mkstemp\(|(?<!_files)\.write_(?:text|bytes)\("
                        r"|\bopen\([^)]*['\"][rb]*[wax]")
    found = []
    for path in sorted(package.rglob("*.py")):
        if path.name == "_files.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if writes.search(line) and not line.lstrip().startswith("#"):
                found.append(f"{path.relative_to(package)}:{number}: {line.strip()}")
    assert not found
