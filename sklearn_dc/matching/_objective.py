"""The objective protocol: what a matching method contributes to a fit.

A matching condenser is three parts: the estimator (:class:`~._base.
BaseMatching`: parameters, validation, set-up, fitted attributes), one
objective per method (this protocol), and the loop (:func:`~._loop.optimise`).
The estimator's ``_objective`` builds the objective once per fit; the loop
only calls ``loss``; checkpoints call ``state_dict`` / ``load_state_dict``;
after the loop the estimator sets every entry of ``results()`` as a fitted
attribute.
"""

from __future__ import annotations


class Objective:
    """The loss of a matching method, what it learns and what it hands back.

    Subclasses implement :meth:`loss` and override the rest as needed.

    Attributes
    ----------
    parameters : sequence of torch.Tensor
        Leaf tensors (``requires_grad=True``) learned with the synthetic
        records by the same optimiser, e.g. soft labels or a step size.
        Empty by default.
    """

    parameters: tuple = ()

    def loss(self, synthetic):
        """The scalar loss of the ``synthetic`` records (a tensor with grad)."""
        raise NotImplementedError

    def state_dict(self) -> dict:
        """What an iteration carries to the next, beyond the networks' weights,
        the random generators and ``parameters``: a dict of tensors, numbers
        and lists, saved in checkpoints. Empty by default."""
        return {}

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned (tensors on the device)."""

    def results(self) -> dict:
        """Fitted attributes to set on the estimator after the loop, by name."""
        return {}
