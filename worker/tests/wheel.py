"""Packs rask's worker runtime into a wheel from the module cargo already built, as
`maturin build` would, without building it again (the tests' build has the workspace's
features; maturin's build of this crate alone would compile polars a second time).

    python wheel.py NATIVE_SO PYTHON_DIR VERSION OUT_DIR   -> prints the wheel's path
"""

import base64
import hashlib
import os
import sys
import zipfile


def main():
    native, python_dir, version, out_dir = sys.argv[1:5]
    files = {"rask_worker/_native.abi3.so": open(native, "rb").read()}
    for name in sorted(os.listdir(os.path.join(python_dir, "rask_worker"))):
        if name.endswith(".py"):
            files[f"rask_worker/{name}"] = open(os.path.join(python_dir, "rask_worker", name), "rb").read()
    info = f"rask_worker-{version}.dist-info"
    files[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: rask-worker\nVersion: {version}\n".encode()
    files[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: rask-tests\nRoot-Is-Purelib: false\nTag: cp39-abi3-linux_x86_64\n"
    )
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    os.makedirs(out_dir, exist_ok=True)
    wheel = os.path.join(out_dir, f"rask_worker-{version}-cp39-abi3-linux_x86_64.whl")
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in files.items():
            z.writestr(path, data)
    print(wheel)


if __name__ == "__main__":
    main()
