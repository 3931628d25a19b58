# tfalchemy's exporter bootstrap, run as `python -c <this> <result marker>`.
#
# Standard input holds one line of JSON (the request) followed by the exporter's source. The
# result goes back on standard output as one line that starts with the marker; everything the
# models write to standard output (prints, C extensions, subprocesses) is sent to standard
# error instead, so it can never be mistaken for the result. Nothing is written to disk.
#
# This file must stay valid Python 2 syntax: an old interpreter has to get far enough to say
# that it is too old, rather than fail with a syntax error.
import os
import sys

marker = sys.argv[1]
sys.argv = sys.argv[:1]
result_fd = os.dup(1)
os.dup2(2, 1)

if sys.version_info < (3, 7):
    version = "%d.%d.%d" % tuple(sys.version_info[:3])
    failure = '{"error": {"kind": "unsupported_python", "message": "Python %s is too old", "version": "%s"}}'
    os.write(result_fd, (marker + failure % (version, version) + "\n").encode("ascii"))
    os._exit(0)

import faulthandler  # noqa: E402  (a crash in a C extension prints the Python stack)
import json  # noqa: E402
import types  # noqa: E402

faulthandler.enable()
request = json.loads(sys.stdin.buffer.readline().decode("utf-8"))
source = sys.stdin.buffer.read()
exporter = types.ModuleType("tfalchemy_exporter")
exec(compile(source, "<tfalchemy exporter>", "exec"), exporter.__dict__)
exporter.main(request, result_fd, marker)
