"""The .pyi stubs name every public attribute of the modules they describe, and nothing that is not there, so they
cannot fall behind the code; the public classes and functions read well in help() (every one has a docstring)."""

import __future__
import ast
import importlib
import inspect
import pathlib

import pytest

import leadscore
import leadscore.sklearn

PACKAGE = pathlib.Path(leadscore.__file__).parent
MODULES = ["_leadscore", "funnel", "_model", "_config", "_table"]


def stub_names(tree):
    """Module-level names of a stub (real names; type aliases apart) and each class's members, with its bases."""
    names, aliases, classes = set(), set(), {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            methods = {n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
            attributes = {n.target.id for n in node.body if isinstance(n, ast.AnnAssign)}
            classes[node.name] = (methods, attributes, [b.id for b in node.bases if isinstance(b, ast.Name)])
            names.add(node.name)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):  # Alias = Union[...]: a name for the stubs only
            aliases |= {t.id for t in node.targets}
        elif isinstance(node, ast.ImportFrom):  # re-exports: `from .x import A as A`
            names |= {a.asname for a in node.names if a.asname is not None and a.asname == a.name}
    return names, aliases, classes


def stub_members(classes, name):
    """(methods and properties, annotated attributes) of a stub class with those of its stub bases."""
    methods, attributes, bases = classes[name]
    methods, attributes = set(methods), set(attributes)
    for b in bases:
        if b in classes:
            m, a = stub_members(classes, b)
            methods, attributes = methods | m, attributes | a
    return methods, attributes


def public(name, native):
    """Public for the stubs: no dunder; the extension module's _names are the package's interface to it."""
    return not name.startswith("__") and (native or not name.startswith("_"))


def runtime_names(module, native):
    exported = set(getattr(module, "__all__", ()))
    out = set()
    for name in dir(module):
        obj = getattr(module, name)
        if not public(name, native) or inspect.ismodule(obj) or isinstance(obj, __future__._Feature):
            continue
        if native or name in exported or getattr(obj, "__module__", module.__name__) == module.__name__:
            out.add(name)
    return out


def runtime_members(cls, native):
    inherited = set()
    for base in cls.__mro__[1:]:
        if base.__module__ in ("builtins", "pybind11_builtins"):
            inherited |= set(dir(base))
    return {n for n in set(dir(cls)) - inherited if public(n, native) and not n.startswith("_pybind11")}


@pytest.mark.parametrize("name", MODULES)
def test_the_stub_names_every_public_attribute(name):
    module = importlib.import_module(f"leadscore.{name}")
    native = name == "_leadscore"
    names, aliases, classes = stub_names(ast.parse((PACKAGE / f"{name}.pyi").read_text(encoding="utf-8")))
    names = {n for n in names if not n.startswith("__")}  # __version__ and the like: typed, not compared
    runtime = runtime_names(module, native)
    assert runtime - names == set(), f"{name}.pyi lacks these names"
    helpers = {b for _, _, bases in classes.values() for b in bases if b.startswith("_")}  # stub-only base classes
    assert names - runtime - helpers == set(), f"{name}.pyi names what is not there"
    for cls_name in sorted(set(classes) & runtime):
        cls = getattr(module, cls_name)
        if not inspect.isclass(cls):
            continue
        methods, attributes = stub_members(classes, cls_name)
        members = runtime_members(cls, native)
        assert members - methods - attributes == set(), f"{name}.pyi: {cls_name} lacks these members"
        # Methods and properties must be on the class; annotated attributes may be set per instance (__init__).
        assert {m for m in methods if not hasattr(cls, m)} == set(), f"{name}.pyi: {cls_name}: not there"


def test_funnel_stats_has_its_annotated_attributes():
    stats = leadscore.FunnelStats("2026-01-01")
    for attribute in ("by", "customer", "conversion", "timing", "kpi", "cohorts", "markov", "competing"):
        assert hasattr(stats, attribute)


def test_public_classes_and_functions_have_docstrings():
    undocumented = []
    for name in leadscore.__all__:
        obj = getattr(leadscore, name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        if not (obj.__doc__ or "").strip():
            undocumented.append(name)
        if not inspect.isclass(obj):
            continue
        for member, value in vars(obj).items():
            if member.startswith("_") and member != "__init__":
                continue
            target = value.fget if isinstance(value, property) else getattr(value, "__func__", value)
            if callable(target) and not (getattr(target, "__doc__", None) or "").strip():
                if member == "__init__" and obj.__init__ is object.__init__:
                    continue
                undocumented.append(f"{name}.{member}")
    for module in (leadscore.sklearn,):
        for name in module.__all__:
            cls = getattr(module, name)
            if not (cls.__doc__ or "").strip():
                undocumented.append(f"{module.__name__}.{name}")
    assert undocumented == []
    text = pydoc_text(leadscore.CompetingRisksStats)
    assert "Aalen" in text and "def curve" not in text and "curve(self, label" in text


def pydoc_text(obj):
    import pydoc

    return pydoc.render_doc(obj, renderer=pydoc.plaintext)
