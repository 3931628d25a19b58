"""tfalchemy's SQLAlchemy exporter.

The provider embeds this file and runs it with the user's own interpreter (the one that has
SQLAlchemy and the app's dependencies), through `bootstrap.py`, which checks the Python version,
reads this source from standard input and calls `main`.

The request names the models (`module` or `path`), the `dialect`, the `working_dir` and extra
`python_path` entries. `main` writes exactly one line to the result channel: the marker, then one
JSON document: either the export (`sql`, `tables`, `sources`, `warnings`, `duplicates`, versions
and the files the cache must watch) or `{"error": {...}}` with a `kind`. A request holding
`compare_sources` imports no model: it compares edited files with their old text instead
(`compare_sources`). The user's modules may
print while they are imported; the bootstrap has pointed standard output at standard error.

Only the standard library and SQLAlchemy (1.4 or 2.x) are imported; the code stays compatible
with Python 3.7.
"""

import ast
import functools
import importlib
import importlib.machinery
import importlib.util
import json
import os
import platform
import re
import site
import sys
import sysconfig
import traceback
import warnings

DIALECTS = ("postgresql", "mysql", "mariadb", "sqlite")
# Dialects where a schema is a namespace inside the database that DDL can create.
DIALECTS_WITH_SCHEMAS = {"postgresql": "public"}
SYNTHETIC_PACKAGE = "_tfalchemy_models"


class ExportFailure(Exception):
    """A failure reported to the provider as `{"error": {...}}`."""

    def __init__(self, kind, message, exc=None, hint=None, **details):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.exc = exc
        self.hint = hint
        self.details = details

    def to_json(self, files):
        error = {"kind": self.kind, "message": self.message}
        if self.hint:
            error["hint"] = self.hint
        if self.exc is not None:
            error["exception_type"] = qualified_type_name(self.exc)
            error["exception_message"] = exception_message(self.exc)
            location = files.innermost_user_location(self.exc)
            if location is not None:
                error["file"], error["line"] = location
            error["traceback"] = "".join(
                traceback.format_exception(type(self.exc), self.exc, self.exc.__traceback__)
            )
        error.update(self.details)
        return error


def qualified_type_name(exc):
    cls = type(exc)
    if cls.__module__ in ("builtins", "__main__"):
        return cls.__qualname__
    return cls.__module__ + "." + cls.__qualname__


def exception_message(exc):
    if isinstance(exc, SyntaxError) and exc.msg:
        return exc.msg
    text = str(exc)
    if not text and exc.args:
        text = repr(exc.args[0])
    return text


class UserFiles:
    """Tells the user's own files from the standard library's, site-packages' and ours."""

    def __init__(self, working_dir):
        self.working_dir = working_dir
        self.user_file = {}  # path -> is_user_file(path): asked for every frame of every index
        self.displayed = {}  # path -> display(path)
        prefixes = set()
        paths = sysconfig.get_paths()
        for key in ("stdlib", "platstdlib", "purelib", "platlib"):
            if paths.get(key):
                prefixes.add(os.path.abspath(paths[key]))
        for getter in ("getsitepackages", "getusersitepackages"):
            try:
                found = getattr(site, getter)()
            except Exception:
                continue
            for entry in [found] if isinstance(found, str) else found:
                prefixes.add(os.path.abspath(entry))
        self.library_prefixes = sorted(p.rstrip(os.sep) + os.sep for p in prefixes)

    def is_library(self, path):
        parts = path.split(os.sep)
        if "site-packages" in parts or "dist-packages" in parts:
            return True
        return any(path.startswith(prefix) for prefix in self.library_prefixes)

    def is_user_file(self, path):
        known = self.user_file.get(path)
        if known is None:
            # This exporter's own frames are named "<tfalchemy exporter>", so they never count.
            known = bool(path) and not path.startswith("<") and path.endswith(".py")
            known = known and not self.is_library(os.path.abspath(path))
            self.user_file[path] = known
        return known

    def display(self, path):
        """A path relative to the working directory when it lies inside it."""
        shown = self.displayed.get(path)
        if shown is None:
            shown = self.displayed[path] = self.relative_display(path)
        return shown

    def relative_display(self, path):
        path = os.path.abspath(path)
        try:
            relative = os.path.relpath(path, self.working_dir)
        except ValueError:
            return path
        if relative == os.pardir or relative.startswith(os.pardir + os.sep):
            return path
        return relative

    def innermost_user_location(self, exc):
        """(file, line) of the innermost frame of `exc` (or its causes) in the user's files."""
        seen = set()
        while exc is not None and id(exc) not in seen:
            seen.add(id(exc))
            if isinstance(exc, SyntaxError) and self.is_user_file(exc.filename or ""):
                return self.display(exc.filename), exc.lineno or 1
            frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
            for frame in reversed(frames):
                if self.is_user_file(frame.filename):
                    return self.display(frame.filename), frame.lineno
            exc = exc.__cause__ or exc.__context__
        return None

    def loaded_user_files(self):
        """Every .py file of the user's that is imported now: the cache watches them."""
        found = set()
        for module in list(sys.modules.values()):
            path = getattr(module, "__file__", None)
            if isinstance(path, str) and self.is_user_file(path):
                found.add(os.path.abspath(path))
        return sorted(found)


def main(request, result_fd, marker):
    """Called by the bootstrap, which has already pointed file descriptor 1 at standard error."""
    channel = ResultChannel(result_fd, marker)
    sys.stdout = sys.stderr
    working_dir = os.path.abspath(request.get("working_dir") or os.getcwd())
    files = UserFiles(working_dir)
    try:
        if "compare_sources" in request:
            result = compare_sources(request["compare_sources"], files)
        else:
            result = export(request, files)
    except ExportFailure as failure:
        result = {"error": failure.to_json(files)}
    except BaseException as exc:  # a bug of ours: report it instead of dying silently
        result = {"error": ExportFailure("internal_error", "the exporter failed unexpectedly", exc).to_json(files)}
    channel.send(result)
    for stream in (sys.__stdout__, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    # Threads and atexit handlers the models left behind must not keep the interpreter alive.
    os._exit(0)


def compare_sources(request, files):
    """Whether the edited files are the same program as when the cached export was made, and
    where the lines that export cites are now.

    Two sources are the same program when their syntax trees are equal once positions are left
    out: comments, blank lines and layout differ, nothing else (a docstring is part of the tree).
    Models that are the same program declare the same tables, so the provider may reuse the export
    with its `file:line` citations moved. Nothing is imported: this never runs the user's code.

    The request holds `changed` ({path, old}: the edited files and their text at export time),
    `watched` (every file the export depends on) and `references` ({display: [line]}: the
    citations in the export). The answer maps every cited display of an edited file to
    {old line: new line} (null when no syntax node starts on the old line), and lists the cited
    displays that name no watched file, which the provider cannot vouch for."""
    moved = {}
    edited = set()
    for item in request["changed"]:
        path = item["path"]
        try:
            with open(path, "rb") as handle:
                new_tree = ast.parse(handle.read(), path)
            old_tree = ast.parse(item["old"].encode("utf-8"), path)
        except (OSError, SyntaxError, ValueError):
            return {"same_program": False}
        if ast.dump(old_tree) != ast.dump(new_tree):
            return {"same_program": False}
        display = files.display(path)
        edited.add(display)
        cited = request["references"].get(display)
        if cited:
            # Equal trees list their nodes in the same order: a node's old line -> its new line.
            now = {}
            for old_line, new_line in zip(node_lines(old_tree), node_lines(new_tree)):
                now.setdefault(old_line, new_line)
            moved[display] = {str(line): now.get(line) for line in cited}
    watched = set(files.display(path) for path in request["watched"])
    unknown = sorted(display for display in request["references"] if display not in watched)
    return {"same_program": True, "edited": sorted(edited), "moved": moved, "unknown": unknown}


def node_lines(tree):
    """The line of every node that has one, in a depth-first order fixed by the tree's shape."""
    lines = []
    pending = [tree]
    while pending:
        node = pending.pop()
        line = getattr(node, "lineno", None)
        if line is not None:
            lines.append(line)
        children = list(ast.iter_child_nodes(node))
        children.reverse()
        pending.extend(children)
    return lines


class ResultChannel:
    """The file descriptor the result goes to, checked to be the same pipe when it is used:
    models that close inherited descriptors and then open files could hand its number to a file."""

    def __init__(self, fd, marker):
        self.fd = fd
        self.marker = marker
        self.identity = self.identify()

    def identify(self):
        try:
            status = os.fstat(self.fd)
        except OSError:
            return None
        return status.st_dev, status.st_ino

    def send(self, result):
        line = (self.marker + json.dumps(result, ensure_ascii=False) + "\n").encode("utf-8")
        sys.stderr.flush()
        if self.identity is None or self.identify() != self.identity:
            self.lost("it was closed, or replaced by another file")
        view = memoryview(line)
        try:
            while view:
                view = view[os.write(self.fd, view):]
        except OSError as exc:
            self.lost(str(exc))

    def lost(self, reason):
        sys.stderr.write(
            "tfalchemy exporter: cannot send the result on file descriptor %d: %s. Do the models close "
            "inherited file descriptors (os.closerange) while they are imported?\n" % (self.fd, reason)
        )
        sys.stderr.flush()
        os._exit(70)


def export(request, files):
    dialect = request["dialect"]
    if dialect not in DIALECTS:
        raise ExportFailure(
            "unknown_dialect", "unknown dialect %r" % dialect, dialect=dialect, valid=list(DIALECTS)
        )
    # The user's paths first: a SQLAlchemy vendored there is the one their models use.
    prepare_sys_path(request, files.working_dir)
    sa = import_sqlalchemy()
    collector = StatementCollector()
    sites = DeclarationSites(files)
    install_listener_guard(sa, collector, files, sites)
    install_index_recorder(sa, sites)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", sa.exc.SAWarning)
        scope = load_models(sa, request, files)
        metadatas = collect_metadata(sa, scope)
        if not any(md.tables for md in metadatas):
            raise ExportFailure(
                "no_models",
                "no SQLAlchemy tables found in %s" % describe_source(request),
                hint="the exporter looks for declarative bases, registries, MetaData and Table objects "
                "in the loaded modules; point `module`/`path` at the module that defines or imports the models",
            )
        sources, models, columns = find_sources(sa, scope, metadatas, files)
        ddl = DdlBuilder(sa, dialect, collector, files, models, columns, sites)
        sql = ddl.build(metadatas)
    warnings_out = list(collector.warnings) + ddl.warnings
    for warning in caught:
        if issubclass(warning.category, sa.exc.SAWarning):
            warnings_out.append(
                "SQLAlchemy warning at %s:%s: %s" % (files.display(warning.filename), warning.lineno, warning.message)
            )
    tables = sorted(qualified_name(t) for md in metadatas for t in md.tables.values())
    return {
        "sql": sql,
        "tables": tables,
        "sources": sources,
        "warnings": warnings_out,
        "duplicates": ddl.duplicates,
        "sqlalchemy_version": sa.__version__,
        "python_version": platform.python_version(),
        "cache": {
            "files": files.loaded_user_files() + [os.path.abspath(sa.__file__)],
            "directories": sorted(set(os.path.abspath(p) for p in site_package_dirs())),
            "source_roots": scope.roots,
        },
    }


def describe_source(request):
    if request.get("module"):
        return "module %s" % request["module"]
    return "path %s" % request["path"]


def import_sqlalchemy():
    try:
        import sqlalchemy
        import sqlalchemy.exc
        import sqlalchemy.orm
    except ImportError as exc:
        raise ExportFailure(
            "sqlalchemy_missing", "SQLAlchemy cannot be imported", exc, python=sys.executable
        )
    version = sqlalchemy.__version__
    match = re.match(r"(\d+)\.(\d+)", version)
    major_minor = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    if major_minor != (1, 4) and major_minor[0] != 2:
        raise ExportFailure(
            "unsupported_sqlalchemy_version",
            "SQLAlchemy %s is not supported" % version,
            version=version,
            python=sys.executable,
        )
    return sqlalchemy


def prepare_sys_path(request, working_dir):
    # `python -c` puts "" (the current directory) first; the working directory replaces it.
    if sys.path and sys.path[0] == "" and not getattr(sys.flags, "safe_path", False):
        del sys.path[0]
    extra = [working_dir] + [os.path.abspath(p) for p in request.get("python_path") or []]
    sys.path[0:0] = extra


# ---------------------------------------------------------------------------------------------
# Loading the models


class Scope:
    """The modules the export scans, and the source roots whose files the cache watches."""

    def __init__(self, prefix, roots):
        self.prefix = prefix
        self.roots = roots

    def contains(self, module_name):
        return module_name == self.prefix or module_name.startswith(self.prefix + ".")

    def modules(self):
        return [(name, module) for name, module in sorted(list(sys.modules.items())) if self.contains(name) and module]


def load_models(sa, request, files):
    try:
        if request.get("module"):
            return load_module(request["module"])
        return load_path(os.path.abspath(request["path"]))
    except ExportFailure:
        raise
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        kind = "model_error" if isinstance(exc, sa.exc.SQLAlchemyError) else "import_error"
        hint = None
        if isinstance(exc, ModuleNotFoundError) and files.innermost_user_location(exc) is None:
            hint = "Python searched sys.path = %s; set `working_dir` or `python_path` so the module is importable" % (
                json.dumps(sys.path)
            )
        raise ExportFailure(kind, "importing the models failed", exc, hint=hint)


def load_module(name):
    importlib.import_module(name)
    top = sys.modules[name.split(".")[0]]
    paths = list(getattr(top, "__path__", None) or [])
    if not paths and getattr(top, "__file__", None):
        paths = [top.__file__]
    return Scope(name, sorted(os.path.abspath(p) for p in paths))


def load_path(path):
    if not os.path.exists(path):
        raise ExportFailure("import_error", "the models path %s does not exist" % path)
    if os.path.isfile(path):
        stem = os.path.splitext(os.path.basename(path))[0]
        name = importable_name(stem)
        sys.path.insert(0, os.path.dirname(path))
        execute_module_file(name, path, is_package=False)
        return Scope(name, [path])

    name = importable_name(os.path.basename(path.rstrip(os.sep)))
    sys.path.insert(0, os.path.dirname(path.rstrip(os.sep)))
    execute_module_file(name, path, is_package=True)
    for module_name in package_modules(name, path):
        importlib.import_module(module_name)
    return Scope(name, [path])


def importable_name(candidate):
    """The file's or directory's own name when Python can import it under it, else a private one."""
    if candidate.isidentifier() and candidate not in sys.modules:
        return candidate
    return SYNTHETIC_PACKAGE


def execute_module_file(name, path, is_package):
    if is_package:
        init = os.path.join(path, "__init__.py")
        if os.path.isfile(init):
            spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[path])
        else:
            spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
            spec.submodule_search_locations = [path]
    else:
        spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    # Registered before it runs: SQLAlchemy resolves annotations through sys.modules.
    sys.modules[name] = module
    try:
        if spec.loader is not None:
            spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def is_importable_dir(path, name):
    return (
        name.isidentifier()
        and name != "__pycache__"
        and not os.path.exists(os.path.join(path, "pyvenv.cfg"))
    )


def package_modules(package, root):
    """Dotted names of every .py file under `root`, sorted, so the import order is fixed."""
    names = []
    for directory, subdirs, filenames in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if is_importable_dir(os.path.join(directory, d), d))
        relative = os.path.relpath(directory, root)
        parts = [] if relative == os.curdir else relative.split(os.sep)
        for filename in sorted(filenames):
            stem, extension = os.path.splitext(filename)
            if extension != ".py" or not stem.isidentifier():
                continue
            if stem == "__init__":
                if parts:
                    names.append(".".join([package] + parts))
            else:
                names.append(".".join([package] + parts + [stem]))
    return sorted(names)


# ---------------------------------------------------------------------------------------------
# Finding the MetaData


def collect_metadata(sa, scope):
    """Every MetaData with tables reachable from the scanned modules, by identity, in a fixed order."""
    found = {}
    order = []

    def add(metadata):
        if isinstance(metadata, sa.MetaData) and id(metadata) not in found:
            found[id(metadata)] = metadata
            order.append(metadata)

    for module_name, module in scope.modules():
        for _, value in sorted(safe_items(module), key=lambda item: item[0]):
            for metadata in metadata_of(sa, value, scope):
                add(metadata)
    with_tables = [md for md in order if md.tables]
    # Sorting by the first table name makes the order independent of attribute names.
    with_tables.sort(key=lambda md: sorted(qualified_name(t) for t in md.tables.values())[0])
    return with_tables


def safe_items(module):
    try:
        return list(vars(module).items())
    except TypeError:
        return []


def metadata_of(sa, value, scope):
    try:
        if isinstance(value, sa.MetaData):
            return [value]
        if isinstance(value, sa.Table):
            return [value.metadata]
        if isinstance(value, sa.orm.registry):
            return [value.metadata]
        if isinstance(value, type):
            own = vars(value)
            # Classes defined in scope count with everything they inherit; imported ones only
            # when they are a declarative base themselves (so a third-party mapped class that
            # happens to be imported does not drag its whole MetaData in).
            if scope.contains(getattr(value, "__module__", "") or "") or "metadata" in own or "registry" in own:
                result = []
                metadata = getattr(value, "metadata", None)
                if isinstance(metadata, sa.MetaData):
                    result.append(metadata)
                table = getattr(value, "__table__", None)
                if isinstance(table, sa.Table):
                    result.append(table.metadata)
                return result
    except Exception:
        # Arbitrary user objects: a failing attribute lookup only means "not a model".
        return []
    return []


def qualified_name(table):
    return "%s.%s" % (table.schema, table.name) if table.schema else table.name


# ---------------------------------------------------------------------------------------------
# Event listeners that need a live database


class StatementCollector:
    """Receives what `create_all` executes on the mock engine, with who declared it when a
    listener did (`origin`); SQLAlchemy's own statements have none."""

    def __init__(self):
        self.elements = []  # (element, origin)
        self.warnings = []
        self.origin = None

    def execute(self, element, *multiparams, **params):
        self.elements.append((element, self.origin))

    def run_as(self, origin, fn, *args, **kw):
        outer, self.origin = self.origin, origin
        try:
            return fn(*args, **kw)
        finally:
            self.origin = outer


class DeclarationSites:
    """Where the models create indexes and attach DDL: the innermost frame in the user's files
    at that moment. Only used to name both places of a statement declared twice."""

    def __init__(self, files):
        self.files = files
        self.by_id = {}  # id(item) -> (item, "file:line"); the item is kept so its id stays its own

    def here(self):
        """(path, line) of the innermost user frame; displayed only when a site is shown, since
        thousands of indexes are recorded and few are ever named."""
        frame = sys._getframe(1)
        while frame is not None:
            path = frame.f_code.co_filename
            if self.files.is_user_file(path):
                return path, frame.f_lineno
            frame = frame.f_back
        return None

    def show(self, site):
        return None if site is None else "%s:%d" % (self.files.display(site[0]), site[1])

    def record(self, item):
        site = self.here()
        if site is not None:
            self.by_id[id(item)] = (item, site)

    def of(self, item):
        found = self.by_id.get(id(item))
        return self.show(found[1]) if found is not None else None


def install_index_recorder(sa, sites):
    """Records where each Index is created (an `Index(...)` call, or the table whose column says
    `index=True`). Installed before the user's code runs."""
    original_init = sa.Index.__init__

    @functools.wraps(original_init)
    def init(self, *args, **kw):
        original_init(self, *args, **kw)
        sites.record(self)

    sa.Index.__init__ = init


def install_listener_guard(sa, collector, files, sites):
    """Wraps listeners of before/after_create: a failing Python callable is skipped, and what each
    listener executes is attributed to it.

    Installed before the user's code runs, so `event.listen` and `@event.listens_for` both go
    through it. A listener that needs a real connection (reads rows, inspects the database)
    fails on the mock engine: its statements are dropped and a warning names it.
    """
    api = sa.event.api
    original_listen = api.listen
    original_remove = api.remove
    guarded = {}

    def describe(fn):
        name = getattr(fn, "__qualname__", None) or repr(fn)
        module = getattr(fn, "__module__", None)
        code = getattr(fn, "__code__", None)
        where = " (%s:%d)" % (files.display(code.co_filename), code.co_firstlineno) if code else ""
        return "%s%s%s" % (module + "." if module else "", name, where)

    def attached_ddl(identifier, ddl, target, site):
        where = " at %s" % site if site else ""
        origin = "DDL attached to %s (%s)%s" % (describe_target(sa, target), identifier, where)

        def ddl_listener(*args, **kw):
            return collector.run_as(origin, ddl, *args, **kw)

        return ddl_listener

    def guard(target, identifier, fn, site):
        if identifier not in ("before_create", "after_create"):
            return fn
        if isinstance(fn, sa.schema.DDLElement):
            return attached_ddl(identifier, fn, target, site)
        if is_sqlalchemy_callable(fn):
            return fn
        origin = "the %s listener %s" % (identifier, describe(fn))

        @functools.wraps(fn)
        def guarded_listener(*args, **kw):
            emitted = len(collector.elements)
            try:
                return collector.run_as(origin, fn, *args, **kw)
            except Exception as exc:
                del collector.elements[emitted:]
                collector.warnings.append(
                    "skipped the %s listener %s: it cannot run without a live database (%s: %s)"
                    % (identifier, describe(fn), qualified_type_name(exc), exception_message(exc))
                )
                return None

        return guarded_listener

    def listen(target, identifier, fn, *args, **kw):
        # Only attached DDL names its site; SQLAlchemy listens thousands of times at import.
        site = sites.show(sites.here()) if isinstance(fn, sa.schema.DDLElement) else None
        wrapped = guard(target, identifier, fn, site)
        if wrapped is not fn:
            guarded[(id(target), identifier, id(fn))] = wrapped
        return original_listen(target, identifier, wrapped, *args, **kw)

    def remove(target, identifier, fn):
        wrapped = guarded.pop((id(target), identifier, id(fn)), fn)
        return original_remove(target, identifier, wrapped)

    api.listen = listen
    api.remove = remove
    sa.event.listen = listen
    sa.event.remove = remove


def is_sqlalchemy_callable(fn):
    """SQLAlchemy's own listeners (an Enum creating its type registers two per table, wrapped in
    `functools.partial`) are trusted: guarding them would cost a description per table."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    module = getattr(fn, "__module__", None) or type(fn).__module__ or ""
    return module == "sqlalchemy" or module.startswith("sqlalchemy.")


def describe_target(sa, target):
    if isinstance(target, sa.Table):
        return "table %s" % qualified_name(target)
    if isinstance(target, sa.MetaData):
        return "a MetaData"
    return repr(target)


# ---------------------------------------------------------------------------------------------
# DDL


class DdlBuilder:
    def __init__(self, sa, dialect, collector, files, models, columns, sites):
        self.sa = sa
        self.models = models
        self.columns = columns
        self.dialect_name = dialect
        self.collector = collector
        self.files = files
        self.sites = sites
        self.warnings = []
        self.duplicates = []
        # Named parameters: dialects with format/pyformat would double every "%" in the DDL.
        self.engine = sa.create_mock_engine(dialect + "://", collector.execute, paramstyle="named")
        self.dialect = self.engine.dialect

    def build(self, metadatas):
        # (statement, element, origin); the exporter's own CREATE SCHEMA has no element.
        statements = [(text, None, None) for text in self.schema_statements(metadatas)]
        emitted = {}
        for metadata in metadatas:
            tables = []
            for table in metadata.sorted_tables:
                name = qualified_name(table)
                if name in emitted:
                    self.check_same_table(emitted[name], table)
                    continue
                emitted[name] = table
                tables.append(table)
            del self.collector.elements[:]
            try:
                metadata.create_all(self.engine, tables=tables, checkfirst=False)
                statements.extend(self.compile_all(self.collector.elements))
            except ExportFailure:
                raise
            except Exception as exc:
                raise ExportFailure("model_error", "SQLAlchemy could not create the schema", exc)
        unique = self.once_each(statements)
        return "".join(statement + ("\n" if i + 1 < len(unique) else "") for i, statement in enumerate(unique))

    def once_each(self, statements):
        """Each statement once, in order. Two statements are identical when they read the same,
        byte for byte, as terminated in the export. The models declaring one twice is reported:
        `create_all()` would run it twice, and a real database refuses the second CREATE."""
        declared = {}  # terminated statement -> [(element, origin)]
        order = []
        for text, element, origin in statements:
            text = terminate(text)
            if text not in declared:
                declared[text] = []
                order.append(text)
            declared[text].append((element, origin))
        for text in order:
            # The exporter's own CREATE SCHEMA IF NOT EXISTS may meet the same text in a listener.
            by_models = [(element, origin) for element, origin in declared[text] if element is not None]
            if len(by_models) > 1:
                self.duplicates.append(
                    {
                        "statement": text.rstrip("\n"),
                        "declarations": sorted(self.declaration(element, origin) for element, origin in by_models),
                    }
                )
        return order

    def declaration(self, element, origin):
        """Who declared a statement, in words, with the file and line where known."""
        if origin is not None:
            return origin
        sa = self.sa
        if isinstance(element, sa.schema.CreateIndex):
            index = element.element
            table = qualified_name(index.table)
            columns = [column.name for column in index.columns]
            if getattr(index, "_column_flag", False) and columns:
                what = "`index=True` on column %s.%s" % (table, columns[0])
            else:
                what = "Index(%r) on table %s" % (str(index.name), table)
            site = self.sites.of(index)
            return what + (" at %s" % site if site else "")
        target = getattr(element, "element", None)
        if isinstance(target, sa.Table) and id(target) in self.models:
            return "%s of %s" % (type(element).__name__, self.models[id(target)])
        return "%s emitted by create_all()" % type(element).__name__

    def check_same_table(self, first, second):
        create = self.sa.schema.CreateTable
        if str(create(first).compile(dialect=self.dialect)) == str(create(second).compile(dialect=self.dialect)):
            self.warnings.append(
                "table %s is defined identically in two MetaData objects; it is created once" % qualified_name(first)
            )
            return
        raise ExportFailure(
            "duplicate_table",
            "table %s is defined differently in two MetaData objects" % qualified_name(first),
            table=qualified_name(first),
            first=table_location(first, self.files),
            second=table_location(second, self.files),
        )

    def schema_statements(self, metadatas):
        schemas = set()
        for metadata in metadatas:
            for table in metadata.tables.values():
                if table.schema:
                    schemas.add(table.schema)
                for column in table.columns:
                    schemas.update(type_schemas(self.sa, column.type))
                    default = column.default
                    if isinstance(default, self.sa.Sequence) and default.schema:
                        schemas.add(default.schema)
            for sequence in getattr(metadata, "_sequences", {}).values():
                if sequence.schema:
                    schemas.add(sequence.schema)
        default_schema = DIALECTS_WITH_SCHEMAS.get(self.dialect_name)
        if default_schema is None:
            if schemas:
                self.warnings.append(
                    "the models use the schema(s) %s; %s has no CREATE SCHEMA the export can emit "
                    "(for MySQL/MariaDB a schema is a separate database, for SQLite an attached one): "
                    "create them outside this schema" % (", ".join(sorted(schemas)), self.dialect_name)
                )
            return []
        preparer = self.dialect.identifier_preparer
        return [
            "CREATE SCHEMA IF NOT EXISTS %s" % preparer.format_schema(name)
            for name in sorted(schemas)
            if name != default_schema
        ]

    def compile_all(self, elements):
        """(statement, element, origin) for what create_all executed."""
        sa = self.sa
        statements = []
        run = []  # consecutive CREATE INDEX: create_all emits them in set order

        def flush():
            run.sort(key=lambda item: item[0])
            statements.extend(statement for _, statement in run)
            del run[:]

        for element, origin in elements:
            if isinstance(element, str):
                text = element
            elif isinstance(element, (sa.schema.DDL, sa.sql.elements.TextClause)):
                # The user's own text: kept exactly as written.
                text = self.compile(element)
            elif isinstance(element, sa.schema.DDLElement) and self.dialect_name == "sqlite":
                # SQLite stores a CREATE as written: exactly create_all's text makes the database
                # the provider writes read as one create_all made, byte for byte.
                text = self.compile(element)
            elif isinstance(element, sa.schema.DDLElement):
                # SQLAlchemy's generated DDL ends lines with ", "; the trailing blanks only add noise.
                text = "\n".join(line.rstrip() for line in self.compile(element).split("\n"))
            else:
                self.warnings.append(
                    "skipped a %s statement run by a create listener: only DDL belongs in the schema"
                    % type(element).__name__
                )
                continue
            blanks = text[len(text.rstrip()):]
            text = text.strip()
            if not text:
                continue
            if isinstance(element, sa.schema.CreateTable):
                if self.dialect_name == "sqlite" and not text.endswith(")"):
                    # SQLite stores a CREATE TABLE with options (STRICT, WITHOUT ROWID) up to its
                    # end, blanks included.
                    text += blanks
                text = self.annotate(element.element, text)
            if isinstance(element, sa.schema.CreateIndex):
                run.append(((element.element.name or "", text), (text, element, origin)))
            else:
                flush()
                statements.append((text, element, origin))
        flush()
        return statements


    def annotate(self, table, text):
        """The provider's annotations (SQL comments) on a CREATE TABLE: the model declaring the table
        and the line declaring each column (above the statement: SQLite would keep a comment inside
        it in the database), and `info={"renamed_from": "old"}` of the table and of its columns, so
        renames plan as RENAME."""
        preparer = self.dialect.identifier_preparer
        lines = text.split("\n")
        for column in table.columns:
            old = renamed_from(column)
            if old is None:
                continue
            definition = "\t" + preparer.format_column(column) + " "
            at = next((i for i, line in enumerate(lines) if line.startswith(definition)), None)
            if at is not None:
                lines.insert(at, "\t-- renamed_from: " + preparer.quote(old))
        header = []
        if id(table) in self.models:
            header.append("-- model: " + self.models[id(table)])
        declared = self.columns.get(id(table), {})
        for column in table.columns:
            location = declared.get(column.name)
            # The engine reads the location after the last " (": a path holding one is left out.
            if location is not None and " (" not in location:
                header.append("-- model-column: %s (%s)" % (preparer.quote(column.name), location))
        old = renamed_from(table)
        if old is not None:
            header.append("-- renamed_from: " + preparer.quote(old))
        return "\n".join(header + lines)

    def compile(self, element):
        try:
            return str(element.compile(dialect=self.dialect))
        except Exception as exc:
            target = getattr(element, "target", None)
            where = " on table %s" % qualified_name(target) if isinstance(target, self.sa.Table) else ""
            if isinstance(element, self.sa.schema.DDL):
                first_line = element.statement.strip().split("\n", 1)[0][:80]
                hint = (
                    "The failing statement is DDL(%r...)%s. In DDL() text a literal %% must be written %%%%, "
                    "and %%(table)s, %%(schema)s, %%(fullname)s are the only substitutions." % (first_line, where)
                )
            else:
                hint = "The failing statement is %s%s." % (type(element).__name__, where)
            raise ExportFailure("model_error", "SQLAlchemy could not compile the schema", exc, hint=hint)


def renamed_from(item):
    """`info={"renamed_from": "old_name"}` of a Table or Column."""
    old = (getattr(item, "info", None) or {}).get("renamed_from")
    if old is None:
        return None
    if not isinstance(old, str) or not old:
        raise ExportFailure(
            "model_error",
            "info[\"renamed_from\"] of %s must be the old name as a string, not %r" % (item, old),
        )
    return old


def type_schemas(sa, column_type):
    schema = getattr(column_type, "schema", None)
    found = [schema] if isinstance(schema, str) and isinstance(column_type, sa.types.SchemaType) else []
    item_type = getattr(column_type, "item_type", None)
    if item_type is not None and item_type is not column_type:
        found.extend(type_schemas(sa, item_type))
    return found


def terminate(statement):
    """One statement ending in exactly one ';' and a newline, its inner text untouched (blanks
    before the end of a statement without a ';' too: see compile_all)."""
    if not statement.rstrip().endswith(";"):
        last_line = statement.rstrip().rsplit("\n", 1)[-1]
        return statement + ("\n;\n" if "--" in last_line else ";\n")
    statement = statement.rstrip()
    while statement.endswith(";"):
        statement = statement[:-1].rstrip()
    last_line = statement.rsplit("\n", 1)[-1]
    # A trailing line comment would swallow the terminator.
    return statement + ("\n;\n" if "--" in last_line else ";\n")


# ---------------------------------------------------------------------------------------------
# Where each table is defined


def find_sources(sa, scope, metadatas, files):
    wanted = {}
    for metadata in metadatas:
        for table in metadata.tables.values():
            wanted[id(table)] = table
    located = {}
    class_lines = ClassLineIndex()

    for cls in mapped_classes(sa, scope):
        table = vars(cls).get("__table__")
        if not isinstance(table, sa.Table) or id(table) not in wanted or id(table) in located:
            continue
        path = source_file_of_class(cls)
        if path:
            located[id(table)] = (path, class_lines.line(path, cls), "%s.%s" % (cls.__module__, cls.__qualname__))

    core_lines = TableLineIndex()
    for module_name, module in scope.modules():
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            continue
        for attribute, value in sorted(safe_items(module), key=lambda item: item[0]):
            if isinstance(value, sa.Table) and id(value) in wanted and id(value) not in located:
                located[id(value)] = (path, core_lines.line(path, value.name, attribute), "%s.%s" % (module_name, attribute))

    sources = []
    models = {}  # id(table) -> "app.models.User (app/models.py:14)", for the `-- model:` annotation
    for table_id, (path, line, model) in located.items():
        source = {"table": qualified_name(wanted[table_id]), "file": files.display(path)}
        if line:
            source["line"] = line
            models[table_id] = "%s (%s:%d)" % (model, files.display(path), line)
        sources.append(source)
    sources.sort(key=lambda s: s["table"])
    columns = find_column_sources(sa, scope, wanted, located, class_lines, files)
    return sources, models, columns


def find_column_sources(sa, scope, wanted, located, class_lines, files):
    """id(table) -> {column name: "file:line"}: where each column is declared, for hazards about a
    column to point at its line. A mapped class's attribute (`email: Mapped[str] = mapped_column()`,
    `email = Column(...)`, a `declared_attr`), looked up along the class's MRO so that a column from a
    mixin or a base class names the class declaring it; else a `Column("email", ...)` inside the
    `Table("users", ...)` call of the file declaring the table. Columns found in neither way, or
    declared in a library, have no line: hazards then name the model's class."""
    found = {}

    def record(table, column, path, line):
        if path and line and files.is_user_file(path):
            found.setdefault(id(table), {}).setdefault(column, "%s:%d" % (files.display(path), line))

    for cls in mapped_classes(sa, scope):
        try:
            mapper = sa.inspect(cls)
            table = mapper.local_table
            properties = column_properties(sa, mapper)
        except Exception:
            continue
        if not isinstance(table, sa.Table) or id(table) not in wanted:
            continue
        for prop in properties:
            for column in prop.columns:
                # Joined inheritance maps a subclass's key onto its base table's column too.
                if isinstance(column, sa.Column) and column.table is table and column.name not in found.get(id(table), {}):
                    path, line = class_lines.attribute(cls, prop.key)
                    record(table, column.name, path, line)

    table_calls = TableCallIndex()
    for table_id, (path, _, _) in located.items():
        table = wanted[table_id]
        for column in table.columns:
            if column.name not in found.get(table_id, {}):
                record(table, column.name, path, table_calls.column_line(path, table.name, column.name))
    return found



def column_properties(sa, mapper):
    """The mapper's column properties. `column_attrs` first configures every mapper of the
    registry (relationships included), a second of work at a thousand models that DDL does not
    need; the properties as mapped (`_props`, in SQLAlchemy 1.4 and 2.x) hold the same columns."""
    props = getattr(mapper, "_props", None)
    if props is None:
        return list(mapper.column_attrs)
    return [prop for prop in props.values() if isinstance(prop, sa.orm.ColumnProperty)]


def mapped_classes(sa, scope):
    """Mapped classes of every registry reachable from the scanned modules, in a fixed order."""
    registries = {}
    for module_name, module in scope.modules():
        for _, value in safe_items(module):
            candidates = []
            if isinstance(value, sa.orm.registry):
                candidates.append(value)
            elif isinstance(value, type):
                try:
                    mapper = sa.inspect(value, raiseerr=False)
                    candidates.append(getattr(mapper, "registry", None))
                    candidates.append(vars(value).get("registry"))
                except Exception:
                    continue
            for candidate in candidates:
                if isinstance(candidate, sa.orm.registry):
                    registries[id(candidate)] = candidate
    classes = {}
    for registry in registries.values():
        for mapper in registry.mappers:
            cls = mapper.class_
            classes[id(cls)] = cls
    return sorted(classes.values(), key=lambda c: (c.__module__ or "", c.__qualname__))


def source_file_of_class(cls):
    module = sys.modules.get(cls.__module__)
    path = getattr(module, "__file__", None)
    return path if isinstance(path, str) and path.endswith(".py") else None


def read_source(path):
    try:
        with open(path, encoding="utf-8") as source:
            return source.read()
    except (OSError, UnicodeDecodeError):
        return None


class ClassLineIndex:
    """Line of each class statement, and of the attributes its body assigns, by qualified name; one
    parse per file (not one per class)."""

    def __init__(self):
        self.by_file = {}
        self.by_class = {}

    def classes(self, path):
        if path not in self.by_file:
            self.by_file[path] = self.index(path)
        return self.by_file[path]

    def line(self, path, cls):
        return self.classes(path).get(cls.__qualname__, (None, None))[0]

    def attribute(self, cls, key):
        """(path, line) of the first class along `cls`'s MRO whose body declares attribute `key`."""
        return self.attributes_along_mro(cls).get(key, (None, None))

    def attributes_along_mro(self, cls):
        """Attribute -> (path, line) for every attribute `cls` and its bases declare, the nearest
        class winning; built once per class (a model has a dozen columns and a long MRO)."""
        found = self.by_class.get(cls)
        if found is None:
            found = {}
            for klass in reversed(cls.__mro__):
                path = source_file_of_class(klass)
                if path:
                    _, attributes = self.classes(path).get(klass.__qualname__, (None, {}))
                    found.update((key, (path, line)) for key, line in attributes.items())
            self.by_class[cls] = found
        return found

    @staticmethod
    def index(path):
        source = read_source(path)
        lines = {}
        if source is None:
            return lines
        try:
            tree = ast.parse(source, path)
        except (SyntaxError, ValueError):
            return lines

        def visit(node, prefix):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.ClassDef):
                    name = prefix + child.name
                    lines.setdefault(name, (child.lineno, class_attributes(child)))
                    visit(child, name + ".")
                elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    visit(child, prefix + child.name + ".<locals>.")
                else:
                    visit(child, prefix)

        visit(tree, "")
        return lines


def class_attributes(class_def):
    """Attribute name -> line, for what a class body declares: `x = ...`, `x: T = ...`, `x: T`, and
    `def x` (a `declared_attr`)."""
    found = {}
    for statement in class_def.body:
        names = []
        if isinstance(statement, ast.Assign):
            names = [target.id for target in statement.targets if isinstance(target, ast.Name)]
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            names = [statement.target.id]
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names = [statement.name]
        for name in names:
            found.setdefault(name, statement.lineno)
    return found


def string_constant(node):
    """The text of a string literal node, else None (Python 3.7 parses literals as ast.Str)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    legacy = getattr(ast, "Str", None)
    if legacy is not None and isinstance(node, legacy):
        return node.s
    return None


def called_name(call):
    """`Table` of `Table(...)` and of `sa.Table(...)`."""
    function = call.func
    if isinstance(function, ast.Name):
        return function.id
    if isinstance(function, ast.Attribute):
        return function.attr
    return None


def first_string_argument(call, keyword):
    if call.args:
        return string_constant(call.args[0])
    for argument in call.keywords:
        if argument.arg == keyword:
            return string_constant(argument.value)
    return None


class TableCallIndex:
    """Line of each `Column("name", ...)` written inside a `Table("table", ...)` call, by file: where
    a Core table (or a class's `__table__`) declares its columns."""

    def __init__(self):
        self.by_file = {}

    def column_line(self, path, table_name, column_name):
        if path not in self.by_file:
            self.by_file[path] = self.index(path)
        return self.by_file[path].get((table_name, column_name))

    @staticmethod
    def index(path):
        lines = {}
        source = read_source(path)
        if source is None:
            return lines
        try:
            tree = ast.parse(source, path)
        except (SyntaxError, ValueError):
            return lines
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or called_name(node) != "Table":
                continue
            table_name = first_string_argument(node, "name")
            if table_name is None:
                continue
            for argument in node.args[1:]:
                if isinstance(argument, ast.Call) and called_name(argument) == "Column":
                    column_name = first_string_argument(argument, "name")
                    if column_name is not None:
                        lines.setdefault((table_name, column_name), argument.lineno)
        return lines


class TableLineIndex:
    """Best-effort line of a Core table: its module-level assignment, else a `Table("name", ...)` call."""

    TABLE_CALL = re.compile(r"""Table\(\s*(?:name\s*=\s*)?["']([^"']+)["']""")

    def __init__(self):
        self.by_file = {}

    def line(self, path, table_name, attribute):
        if path not in self.by_file:
            self.by_file[path] = read_source(path) or ""
        source = self.by_file[path]
        # The assignment names this very object; a table name may appear in several calls.
        assignment = re.search(r"^%s\s*[:=]" % re.escape(attribute), source, re.MULTILINE)
        if assignment:
            return source.count("\n", 0, assignment.start()) + 1
        for match in self.TABLE_CALL.finditer(source):
            if match.group(1) == table_name:
                return source.count("\n", 0, match.start()) + 1
        return None


def table_location(table, files):
    """'file:line' of a table for duplicate_table messages, or its MetaData's description."""
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not files.is_user_file(path):
            continue
        for attribute, value in safe_items(module):
            mapped = getattr(value, "__table__", None) if isinstance(value, type) else None
            if value is table or mapped is table:
                if mapped is table:
                    line = ClassLineIndex().line(path, value)
                else:
                    line = TableLineIndex().line(path, table.name, attribute)
                return "%s:%s" % (files.display(path), line) if line else files.display(path)
    return "an unknown module"


def site_package_dirs():
    paths = sysconfig.get_paths()
    found = [paths[key] for key in ("purelib", "platlib") if paths.get(key)]
    return [p for p in found if os.path.isdir(p)]


if __name__ == "__main__":
    main()
