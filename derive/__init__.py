"""derive: machine-checked derivations of optimizer update rules.

>>> import derive as dv
>>> obj = dv.Objective("2*x**2", params="x")
>>> dv.taylor(obj, order=2, about={"x": 1}).terms
(2, 4*x - 4, 2*(x - 1)**2)
"""

from ._version import __version__ as __version__
from .derivation import Derivation as Derivation
from .emit import UpdateRule as UpdateRule
from .emit import emit as emit
from .errors import DeriveError as DeriveError
from .errors import NumericError as NumericError
from .errors import ObjectiveError as ObjectiveError
from .errors import ParseError as ParseError
from .errors import VerificationError as VerificationError
from .kernel import Fact as Fact
from .kernel import Report as Report
from .kernel import Step as Step
from .kernel import StepReport as StepReport
from .library import gradient_descent as gradient_descent
from .library import learning_rate_bound as learning_rate_bound
from .library import newton_step as newton_step
from .library import steepest_descent as steepest_descent
from .library import step_size as step_size
from .objective import Objective as Objective
from .parse import parse as parse
from .taylor import Directional as Directional
from .taylor import Taylor as Taylor
from .taylor import directional as directional
from .taylor import taylor as taylor

__all__ = [
    "Derivation",
    "DeriveError",
    "Directional",
    "Fact",
    "NumericError",
    "Objective",
    "ObjectiveError",
    "ParseError",
    "Report",
    "Step",
    "StepReport",
    "Taylor",
    "UpdateRule",
    "VerificationError",
    "__version__",
    "directional",
    "emit",
    "gradient_descent",
    "learning_rate_bound",
    "newton_step",
    "parse",
    "steepest_descent",
    "step_size",
    "taylor",
]
