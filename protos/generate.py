"""Compile every .proto under this folder into Python modules next to it.

python protos/generate.py            # write the stubs
python protos/generate.py --check    # fail when the committed stubs are stale
"""

import filecmp
import pathlib
import shutil
import sys
import tempfile

from grpc_tools import protoc

HERE = pathlib.Path(__file__).resolve().parent
PROTO_INCLUDE = pathlib.Path(protoc.__file__).parent / "_proto"


def compile_into(out_dir: pathlib.Path) -> list[pathlib.Path]:
    protos = sorted(HERE.glob("fileuploader/**/*.proto"))
    args = [
        "protoc",
        f"-I{HERE}",
        f"-I{PROTO_INCLUDE}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *map(str, protos),
    ]
    if protoc.main(args) != 0:
        sys.exit("protoc failed")
    return sorted(p.relative_to(out_dir) for p in out_dir.rglob("*_pb2*.py*"))


def main() -> None:
    check = "--check" in sys.argv
    with tempfile.TemporaryDirectory() as tmp:
        generated = compile_into(pathlib.Path(tmp))
        stale = [
            p
            for p in generated
            if not (HERE / p).exists() or not filecmp.cmp(pathlib.Path(tmp) / p, HERE / p, shallow=False)
        ]
        if check:
            if stale:
                sys.exit("stale generated stubs (run `make protos`): " + ", ".join(map(str, stale)))
            print("generated stubs are fresh")
            return
        for p in generated:
            shutil.copyfile(pathlib.Path(tmp) / p, HERE / p)
        print(f"wrote {len(generated)} files")


if __name__ == "__main__":
    main()
