"""Step 8 (deployment): the evaluation gate — bless a candidate model only when every
value and change threshold holds, overall and on every slice."""

from .gate import gate, model_fingerprint
from .result import GateDecision
from .thresholds import ChangeThreshold, ValueThreshold

__all__ = [
    "gate",
    "model_fingerprint",
    "GateDecision",
    "ValueThreshold",
    "ChangeThreshold",
]
