"""The stand-ins for Keras's datasets agree with the table the converter reads inputs from."""

from __future__ import annotations

import pytest

from seq2func.analysis.keras_datasets import DATASETS as READ
from seq2func.verify.worker_datasets import DATASETS as STOOD_IN


@pytest.mark.parametrize("name", sorted(set(READ) & set(STOOD_IN)))
def test_verification_builds_on_the_shapes_the_converter_read(name):
    (x_train, y_train), (x_test, y_test) = READ[name]
    documented = STOOD_IN[name]
    assert (documented.train, documented.test) == (x_train, x_test)
    assert documented.train[:1] + documented.labels == y_train
    assert documented.test[:1] + documented.labels == y_test
