"""A two-task pipeline with a dsl.If branch (no ``from __future__ import
annotations``: kfp reads the annotations as objects)."""

from typing import NamedTuple

from kfp import dsl


@dsl.component(base_image="python:3.11", install_kfp_package=False)
def yes() -> NamedTuple("Outputs", [("ok", bool)]):
    from collections import namedtuple

    return namedtuple("Outputs", ["ok"])(True)


@dsl.component(base_image="python:3.11", install_kfp_package=False)
def mark(path: str):
    with open(path, "w") as fh:
        fh.write("ran")


@dsl.pipeline(name="probe")
def probe(path: str):
    t = yes()
    with dsl.If(t.outputs["ok"] == True):  # noqa: E712
        mark(path=path)
