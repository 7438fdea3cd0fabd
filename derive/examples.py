"""The built-in example: the lectures' sigmoid neuron fitted to two points.

.. math:: \\mathcal{L}(w, b) = \\frac{1}{2}\\sum_{i=1}^{2} \\left(\\sigma(w x_i + b) - y_i\\right)^2

with (x, y) = (0.5, 0.2) and (2.5, 0.9), the two-parameter loss the lectures minimise
over θ = [w, b].

>>> SIGMOID_NEURON.params
(w, b)
"""

from __future__ import annotations

from .objective import Objective

__all__ = ["SIGMOID_NEURON", "SIGMOID_NEURON_POINTS", "SIGMOID_NEURON_TEXT"]

SIGMOID_NEURON_POINTS = (("0.5", "0.2"), ("2.5", "0.9"))
SIGMOID_NEURON_TEXT = " + ".join(
    f"(sigmoid(w*{x} + b) - {y})**2/2" for x, y in SIGMOID_NEURON_POINTS
)
SIGMOID_NEURON = Objective(SIGMOID_NEURON_TEXT, params="w b")
