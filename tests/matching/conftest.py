"""Fixtures of the matching tests."""

import pytest
import torch


@pytest.fixture
def one_torch_thread():
    """One intra-op torch thread for the test, then the previous count."""
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n_threads)
