"""pyright on the code learners read: the README's examples and the notebooks' code cells.

``make typecheck`` runs it after pyright on the packages. The README's ``python`` blocks
run in order in one namespace (tests/test_readme.py), so they are checked as one file;
each notebook's code cells become one file (IPython magics turned into comments). The
files go to a temporary folder with a pyright configuration pointing at this checkout.

One rule is relaxed, on purpose and only here: ``x.grad`` is ``Tensor | None`` (None until
a backward pass reaches ``x``), exactly as PyTorch declares it. Code that reads
``w.grad`` after ``loss.backward()`` is correct, but no checker can see that backward ran,
so pyright's basic mode would flag every ``w.grad.data`` -- in PyTorch programs too. The
``reportOptional*`` rules are warnings here; everything else is an error.

    python tests/typecheck_examples.py          # exit status = pyright's
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CONFIG = {
    "typeCheckingMode": "basic",
    "pythonVersion": "3.11",
    "extraPaths": [str(ROOT), str(ROOT / "notebooks")],
    "reportOptionalMemberAccess": "warning",
    "reportOptionalSubscript": "warning",
    "reportOptionalOperand": "warning",
    "reportOptionalIterable": "warning",
    "reportOptionalCall": "warning",
}


def _python(code: str) -> str:
    # %timeit / !pip lines are IPython, not Python: keep them visible as comments
    return "\n".join(
        ("pass  # " + ln) if ln.lstrip().startswith(("%", "!")) else ln for ln in code.split("\n")
    )


def write_examples(folder: Path) -> list[Path]:
    files = []
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    path = folder / "readme_examples.py"
    path.write_text("\n\n".join(textwrap.dedent(b) for b in blocks), encoding="utf-8")
    files.append(path)
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
        path = folder / f"notebook_{notebook.stem}.py"
        path.write_text("\n\n".join(_python(c) for c in code) + "\n", encoding="utf-8")
        files.append(path)
    return files


def main() -> int:
    pyright = Path(sys.executable).with_name("pyright")
    with tempfile.TemporaryDirectory(prefix="deltagrad-examples-") as tmp:
        folder = Path(tmp)
        write_examples(folder)
        (folder / "pyrightconfig.json").write_text(json.dumps(CONFIG), encoding="utf-8")
        return subprocess.call(
            [str(pyright), "--pythonpath", sys.executable, str(folder)], cwd=folder
        )


if __name__ == "__main__":
    sys.exit(main())
