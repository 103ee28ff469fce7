"""Differentiable augmentations with a shared random draw (DSA).

Differentiable siamese augmentation (Zhao & Bilen, "Dataset Condensation with
Differentiable Siamese Augmentation", ICML 2021) transforms the real batch and
the synthetic records of a matching step in the *same* random way, with
operations through which gradients reach the synthetic values. The matching
condensers take these augmentations through their ``augment=`` parameter.

Every transform here draws its random parameters once per call, from a
``torch.Generator``, and applies them to every record of the call alike. So
the transform is a function of the generator's state only, and
:func:`apply_shared` gives the real batch and the synthetic records the same
transform by resetting the generator to one state before each of them.

Records come in the package's layouts: tables ``(n, n_features)``, time series
``(n, n_channels, n_timepoints)`` and images ``(n, n_channels, height,
width)``. Magnitudes (noise, brightness) are in the units of the features, so
scale the features first (e.g. ``StandardScaler``), as matching expects anyway.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F

__all__ = ["AUGMENTATIONS", "PRESETS", "Augmentation", "apply_shared"]

# Strengths of the transforms (DSA's values for images).
JITTER_STD = 0.1  # series: additive noise, in feature units
SERIES_SCALE = 0.2  # series: per-channel factor in [1 - s, 1 + s]
SHIFT_RATIO = 0.125  # series: largest time shift, as a fraction of the length
MASK_TIME_RATIO = 0.125  # series: length of the masked span
MASK_CHANNEL_P = 0.2  # series: probability that a channel is masked
NOISE_STD = 0.1  # tables: additive noise, in feature units
DROPOUT_P = 0.1  # tables: probability that a feature is zeroed
CROP_RATIO = 0.125  # images: largest translation, fraction of the size
IMAGE_SCALE = 1.2  # images: zoom factor in [1 / s, s] along each axis
ROTATE_DEGREES = 15.0  # images: largest rotation
CUTOUT_RATIO = 0.5  # images: side of the zeroed square, fraction of the size


def _uniform(generator, *shape, low=0.0, high=1.0):
    u = torch.rand(shape, generator=generator, device=generator.device)
    return low + (high - low) * u


# --- tables (n, n_features) ----------------------------------------------------


def _noise(x, generator):
    """Add Gaussian noise of std ``NOISE_STD`` (the same vector to every record)."""
    noise = torch.randn(x.shape[1:], generator=generator, device=generator.device)
    return x + NOISE_STD * noise.to(x.dtype)


def _dropout(x, generator):
    """Zero each feature with probability ``DROPOUT_P`` (the same features in
    every record; zero is the mean of a standardised feature)."""
    keep = _uniform(generator, *x.shape[1:]) >= DROPOUT_P
    return x * keep.to(x.dtype)


# --- time series (n, n_channels, n_timepoints) --------------------------------


def _jitter(x, generator):
    """Add Gaussian noise of std ``JITTER_STD`` at every channel and time point."""
    noise = torch.randn(x.shape[1:], generator=generator, device=generator.device)
    return x + JITTER_STD * noise.to(x.dtype)


def _series_scale(x, generator):
    """Multiply each channel by a factor in ``[1 - SERIES_SCALE, 1 + SERIES_SCALE]``."""
    factor = _uniform(
        generator, x.shape[1], 1, low=1 - SERIES_SCALE, high=1 + SERIES_SCALE
    )
    return x * factor.to(x.dtype)


def _shift(x, generator):
    """Shift in time by up to ``SHIFT_RATIO`` of the length, either way.

    The series is padded with its first or last value (not wrapped around):
    the output at time ``t`` is the input at ``clip(t - offset)``, a gather
    through which gradients reach the values.
    """
    n_time = x.shape[2]
    largest = max(1, round(SHIFT_RATIO * n_time))
    offset = torch.randint(
        -largest, largest + 1, (1,), generator=generator, device=generator.device
    )
    times = torch.arange(n_time, device=x.device) - offset.to(x.device)
    return x.index_select(2, times.clamp(0, n_time - 1))


def _mask_time(x, generator):
    """Zero every channel over a random span of ``MASK_TIME_RATIO`` of the length."""
    n_time = x.shape[2]
    length = max(1, round(MASK_TIME_RATIO * n_time))
    start = (_uniform(generator, 1) * (n_time - length + 1)).floor().to(x.device)
    times = torch.arange(n_time, device=x.device)
    keep = (times < start) | (times >= start + length)
    return x * keep.to(x.dtype)


def _mask_channels(x, generator):
    """Zero each channel with probability ``MASK_CHANNEL_P`` (one stays)."""
    draw = _uniform(generator, x.shape[1])
    keep = (draw >= MASK_CHANNEL_P) | (draw == draw.max())
    return x * keep.to(x.device, x.dtype)[:, None]


# --- images (n, n_channels, height, width) ------------------------------------


def _affine(x, theta):
    """Resample images through the affine map ``theta`` (2 x 3), zero padded."""
    theta = theta.to(x.device, x.dtype).expand(x.shape[0], 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, padding_mode="zeros", align_corners=False)


def _crop(x, generator):
    """Translate by up to ``CROP_RATIO`` of the size, whole pixels, zero padded
    (DSA's crop)."""
    height, width = x.shape[2:]
    largest = torch.tensor([width, height], device=generator.device) * CROP_RATIO
    shift = (_uniform(generator, 2, low=-1.0, high=1.0) * largest).round()
    # One pixel spans 2 / size in the normalised coordinates of affine_grid.
    move = 2 * shift / torch.tensor([width, height], device=generator.device)
    eye = torch.eye(2, device=generator.device)
    return _affine(x, torch.cat([eye, move[:, None]], dim=1))


def _flip(x, generator):
    """Mirror left-right with probability 1/2."""
    flip = _uniform(generator, 1).to(x.device) < 0.5
    return torch.where(flip, x.flip(3), x)


def _image_scale(x, generator):
    """Zoom each axis by a factor in ``[1 / IMAGE_SCALE, IMAGE_SCALE]``."""
    factor = _uniform(generator, 2, low=1 / IMAGE_SCALE, high=IMAGE_SCALE)
    theta = torch.zeros(2, 3, device=generator.device)
    theta[0, 0], theta[1, 1] = factor[0], factor[1]
    return _affine(x, theta)


def _rotate(x, generator):
    """Rotate by up to ``ROTATE_DEGREES`` either way about the centre."""
    height, width = x.shape[2:]
    angle = _uniform(generator, 1, low=-1.0, high=1.0)[0] * math.radians(ROTATE_DEGREES)
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.zeros(2, 3, device=generator.device)
    # A rotation in pixels, written in affine_grid's coordinates (-1..1 across
    # each axis), so that non-square images are not sheared.
    theta[0, 0], theta[0, 1] = cos, -sin * height / width
    theta[1, 0], theta[1, 1] = sin * width / height, cos
    return _affine(x, theta)


def _color(x, generator):
    """Change brightness, saturation and contrast (DSA's colour transform)."""
    brightness, saturation, contrast = _uniform(generator, 3).to(x.device, x.dtype)
    x = x + (brightness - 0.5)
    mean = x.mean(dim=1, keepdim=True)
    x = mean + (x - mean) * (2 * saturation)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return mean + (x - mean) * (contrast + 0.5)


def _cutout(x, generator):
    """Zero a square of ``CUTOUT_RATIO`` of the size at a random centre."""
    height, width = x.shape[2:]
    centre = _uniform(generator, 2).to(x.device) * torch.tensor(
        [height, width], device=x.device
    )
    half_h, half_w = CUTOUT_RATIO * height / 2, CUTOUT_RATIO * width / 2
    rows = torch.arange(height, device=x.device) + 0.5
    cols = torch.arange(width, device=x.device) + 0.5
    inside = ((rows - centre[0]).abs() < half_h)[:, None] & (
        (cols - centre[1]).abs() < half_w
    )[None, :]
    return x * (~inside).to(x.dtype)


# Record dimensions -> data kind -> name -> transform.
_KINDS = {1: "table", 2: "series", 3: "image"}
_TRANSFORMS = {
    "table": {"noise": _noise, "dropout": _dropout},
    "series": {
        "jitter": _jitter,
        "scale": _series_scale,
        "shift": _shift,
        "mask_time": _mask_time,
        "mask_channels": _mask_channels,
    },
    "image": {
        "crop": _crop,
        "flip": _flip,
        "scale": _image_scale,
        "rotate": _rotate,
        "color": _color,
        "cutout": _cutout,
    },
}
#: The augmentation names available for each kind of data.
AUGMENTATIONS = {kind: tuple(names) for kind, names in _TRANSFORMS.items()}
#: What ``"auto"`` stands for on each kind of data (DSA's set for images).
PRESETS = {
    "table": ("noise", "dropout"),
    "series": ("jitter", "scale", "shift", "mask_time", "mask_channels"),
    "image": ("color", "crop", "cutout", "flip", "scale", "rotate"),
}


def _kind(record_ndim):
    if record_ndim not in _KINDS:
        raise ValueError(
            f"Augmentations need tables (2-D X), time series (3-D X) or images "
            f"(4-D X); got records with {record_ndim} dimension(s)."
        )
    return _KINDS[record_ndim]


class Augmentation:
    """Differentiable augmentations whose random draw is shared by a batch.

    A call ``augmentation(x, generator)`` transforms the records ``x`` with
    random parameters drawn from ``generator`` once for the whole call, so
    every record of ``x`` gets the same transform, and two calls from the same
    generator state give the same transform (see :func:`apply_shared`). Every
    transform is differentiable with respect to the values of ``x``.

    Parameters
    ----------
    names : str or list of str, default="auto"
        The transforms. ``"auto"`` takes the preset of the data's kind
        (``PRESETS``); otherwise a name or a list of names from
        ``AUGMENTATIONS`` for that kind:

        - tables ``(n, n_features)``: ``"noise"`` (Gaussian noise, std 0.1),
          ``"dropout"`` (each feature zeroed with probability 0.1);
        - time series ``(n, n_channels, n_timepoints)``: ``"jitter"``
          (Gaussian noise, std 0.1, at every point), ``"scale"`` (each
          channel times a factor in [0.8, 1.2]), ``"shift"`` (a time shift of
          up to 1/8 of the length, padded with the edge values), ``"mask_time"``
          (all channels zeroed over a span of 1/8 of the length),
          ``"mask_channels"`` (each channel zeroed with probability 0.2, at
          least one kept);
        - images ``(n, n_channels, height, width)``: ``"crop"`` (a
          translation of up to 1/8 of the size, zero padded), ``"flip"``
          (left-right, with probability 1/2), ``"scale"`` (each axis zoomed
          by a factor in [1/1.2, 1.2]), ``"rotate"`` (up to 15 degrees),
          ``"color"`` (brightness, saturation and contrast), ``"cutout"`` (a
          square of half the size zeroed). These are DSA's.

        Magnitudes are in the units of the features: scale them first.
    mode : {"one", "all"}, default="one"
        ``"one"`` applies one of the transforms, drawn at random at each call
        (DSA's default); ``"all"`` applies all of them, in the order given.

    See Also
    --------
    apply_shared : Give several batches the same random transform.

    Examples
    --------
    >>> import torch
    >>> from sklearn_dc.augment import Augmentation, apply_shared
    >>> augment = Augmentation(["shift", "mask_time"], mode="all")
    >>> real, synthetic = torch.randn(8, 3, 24), torch.randn(2, 3, 24)
    >>> generator = torch.Generator().manual_seed(0)
    >>> real_aug, synthetic_aug = apply_shared(augment, [real, synthetic], generator)
    >>> real_aug.shape, synthetic_aug.shape
    (torch.Size([8, 3, 24]), torch.Size([2, 3, 24]))
    >>> # The same transform: records equal before are equal after.
    >>> same = apply_shared(augment, [real[:1], real[:1]], generator)
    >>> torch.equal(*same)
    True
    """

    def __init__(self, names: str | Sequence[str] = "auto", *, mode: str = "one"):
        if mode not in ("one", "all"):
            raise ValueError(f"mode must be 'one' or 'all'; got {mode!r}.")
        if isinstance(names, str):
            names = (names,)
        names = tuple(names)
        if not names:
            raise ValueError("names is empty; give at least one augmentation.")
        bad = [name for name in names if not isinstance(name, str)]
        if bad:
            raise TypeError(f"Augmentation names must be strings; got {bad}.")
        self.names = names
        self.mode = mode

    def __repr__(self):
        names = self.names[0] if len(self.names) == 1 else list(self.names)
        return f"Augmentation({names!r}, mode={self.mode!r})"

    def transforms(self, record_ndim: int) -> list[Callable]:
        """The transforms for records of ``record_ndim`` dimensions.

        Raises a ValueError naming the valid names when a name is unknown or
        does not fit that kind of data.
        """
        kind = _kind(record_ndim)
        available = _TRANSFORMS[kind]
        names = []
        for name in self.names:
            names.extend(PRESETS[kind] if name == "auto" else [name])
        for name in names:
            if name in available:
                continue
            others = [k for k, v in _TRANSFORMS.items() if name in v]
            problem = (
                f"augmentation {name!r} is for {' and '.join(others)} data, not "
                f"for {kind} data"
                if others
                else f"unknown augmentation {name!r} for {kind} data"
            )
            raise ValueError(
                f"Got {problem} ({_SHAPES[kind]}). The augmentations for {kind} "
                f"data are 'auto' and {sorted(available)}."
            )
        return [available[name] for name in names]

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Transform ``x`` with one random draw from ``generator``."""
        return self._bind(x.ndim - 1)(x, generator)

    def _bind(self, record_ndim):
        """``f(x, generator)`` with the names resolved once, for a loop."""
        transforms = self.transforms(record_ndim)
        mode = self.mode

        def augment(x, generator):
            if mode == "all":
                chosen = transforms
            elif len(transforms) == 1:
                chosen = transforms
            else:
                pick = torch.randint(
                    len(transforms), (1,), generator=generator, device=generator.device
                )
                chosen = [transforms[int(pick)]]
            for transform in chosen:
                x = transform(x, generator)
            return x

        return augment


_SHAPES = {
    "table": "2-D X, (n, n_features)",
    "series": "3-D X, (n, n_channels, n_timepoints)",
    "image": "4-D X, (n, n_channels, height, width)",
}


def resolve_augment(augment, input_shape):
    """Turn an ``augment=`` parameter into ``f(x, generator)`` or None.

    ``None`` gives None; a name, a list of names or an :class:`Augmentation`
    is checked against the records' shape ``input_shape`` (a ValueError names
    the valid augmentations); any other callable is returned as it is.
    """
    if augment is None:
        return None
    if isinstance(augment, str | list | tuple):
        augment = Augmentation(augment)
    if isinstance(augment, Augmentation):
        return augment._bind(len(input_shape))
    if callable(augment):
        return augment
    raise TypeError(
        "augment must be None, a name, a list of names, an Augmentation or a "
        f"callable f(x, generator); got {augment!r}."
    )


def apply_shared(augment, tensors, generator):
    """Transform each tensor with the same random draw.

    The generator is set back to its starting state before each call of
    ``augment(x, generator)``, so each call draws the same random parameters;
    afterwards it is left as one call leaves it. For the transforms of this
    module (whose draws do not depend on the batch size) this gives every
    tensor the same transform. A user's callable gets the same guarantee if
    its draws do not depend on ``len(x)``.

    Parameters
    ----------
    augment : callable
        ``augment(x, generator) -> x``.
    tensors : list of torch.Tensor
        Batches of records of the same shape apart from their length.
    generator : torch.Generator
        Source of the draw.

    Returns
    -------
    augmented : list of torch.Tensor
    """
    state = generator.get_state()
    augmented = []
    for i, x in enumerate(tensors):
        if i:
            generator.set_state(state)
        augmented.append(augment(x, generator))
    return augmented


# ``_parameter_constraints`` entry of an ``augment=`` parameter; the names are
# checked against the data's shape at fit time.
_AUGMENT_CONSTRAINT = [None, str, list, tuple, callable]

_AUGMENT_DOCSTRING = """augment : str, list of str, Augmentation, callable or None, \
default=None
        Differentiable siamese augmentation (DSA, Zhao & Bilen, ICML 2021):
        the real and the synthetic records are transformed by the same random
        draw, and the gradients flow through the transform to the synthetic
        records. ``None`` turns it off. ``"auto"`` takes the preset for the
        data (``sklearn_dc.augment.PRESETS``); a name or list of names picks
        transforms from ``sklearn_dc.augment.AUGMENTATIONS`` (tables:
        ``"noise"``, ``"dropout"``; time series: ``"jitter"``, ``"scale"``,
        ``"shift"``, ``"mask_time"``, ``"mask_channels"``; images:
        ``"crop"``, ``"flip"``, ``"scale"``, ``"rotate"``, ``"color"``,
        ``"cutout"``),
        one of them drawn per use; :class:`~sklearn_dc.augment.Augmentation`
        with ``mode="all"`` applies them all. A callable ``f(x, generator)
        -> x`` is called on the real batch and on the synthetic records with
        the generator reset to the same state before each call, so its draws
        (from ``generator`` only, of shapes that do not depend on ``len(x)``)
        are shared; it must be differentiable in ``x``.""".rstrip()
