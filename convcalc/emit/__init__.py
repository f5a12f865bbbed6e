"""Code out: a spec → a PyTorch or Keras module that builds the network convcalc reports.

``convcalc.emit.torch.emit(spec)`` and ``convcalc.emit.keras.emit(spec)`` return Python source;
:data:`EMITTERS` names them for the CLI.  Each emitter reads the shape engine's report and the
parsed network (``base.rows``), never the engine's internals.
"""

from __future__ import annotations

from .base import EmitError

__all__ = ["EMITTERS", "EmitError"]

#: framework → the module under ``convcalc.emit`` whose ``emit(spec, …)`` writes its code
EMITTERS: dict[str, str] = {"torch": "torch", "keras": "keras"}
