"""Bad input gets a clear error: one row per impossible or malformed call to the public API.

Each row names the public function or class it exercises, the call, the exception type and a
fragment of the message, which must name what was wrong (the argument, the allowed values).
`test_every_public_callable_is_covered` makes sure a new public function gets rows here too.
"""
import importlib
import pkgutil

import numpy as np
import pytest
import torch
import torch.nn as nn

import cnn_course
from cnn_course import color, conv, data, kernels, layers, receptive, widgets

IMG = torch.rand(8, 8)
X, W = torch.rand(1, 3, 8, 8), torch.rand(4, 3, 3, 3)
SPLIT = lambda n=4: data.ImageSplit(torch.rand(n, 1, 4, 4), torch.zeros(n, dtype=torch.long),
                                    torch.rand(2, 1, 4, 4), torch.zeros(2, dtype=torch.long), ("a",))

CASES = [  # (public name, call, exception, message fragment)
    # data
    ("data.ImageSplit", lambda: data.ImageSplit(torch.rand(2, 1, 4, 4), torch.tensor([0]), torch.rand(1, 1, 4, 4), torch.tensor([0]), ("a",)), ValueError, "2 images but y_train has 1"),
    ("data.ImageSplit", lambda: SPLIT(0), ValueError, "x_train is empty"),
    ("data.ImageSplit", lambda: data.ImageSplit(torch.rand(2, 4, 4), torch.zeros(2), torch.rand(2, 1, 4, 4), torch.zeros(2), ("a",)), ValueError, "(N,C,H,W)"),
    ("data.ImageSplit", lambda: data.ImageSplit(torch.rand(2, 1, 4, 4), torch.tensor([0, 3]), torch.rand(2, 1, 4, 4), torch.zeros(2), ("a", "b")), ValueError, "must index `classes`"),
    ("data.mnist_sample", lambda: data.mnist_sample(digits=(3,)), ValueError, "two or more different digits"),
    ("data.mnist_sample", lambda: data.mnist_sample(digits=(3, 10)), ValueError, "from 0 to 9"),
    ("data.mnist_sample", lambda: data.mnist_sample(valid_pct=0), ValueError, "valid_pct must be between 0 and 1"),
    ("data.show_images", lambda: data.show_images(torch.rand(5, 5)), ValueError, "(N,1,H,W)"),
    ("data.show_images", lambda: data.show_images(torch.rand(2, 2, 5, 5)), ValueError, "(N,3,H,W)"),
    ("data.fashion_file", lambda: data.fashion_file("x.gz"), ValueError, "name must be one of"),
    ("data.fashion_file", lambda: data.fashion_file("t10k-labels-idx1-ubyte.gz", cache="/nonexistent/c", system_dir="/nonexistent", download_ok=False), data.DataUnavailable, "apt-get install dataset-fashion-mnist"),
    ("data.read_idx", lambda: data.read_idx("/etc/hostname"), ValueError, "not a complete gzip file"),
    ("data.download", lambda: data.download("file:///nonexistent/x.gz", "/tmp/cnn_course_bad/x.gz", "0" * 64), OSError, "nonexistent"),
    ("data.sample_photo", lambda: data.sample_photo("dog"), ValueError, "must be one of"),
    ("data.split_dls", lambda: data.split_dls(SPLIT(), bs=0), ValueError, "positive batch size"),
    ("data.split_dls", lambda: data.split_dls((1, 2)), TypeError, "split must be an ImageSplit"),
    # widgets
    ("widgets.param_grid", lambda: widgets.param_grid({}), ValueError, "at least one parameter"),
    ("widgets.param_grid", lambda: widgets.param_grid({"a": []}), ValueError, "non-empty list"),
    ("widgets.param_grid", lambda: widgets.param_grid({"a": range(30), "b": range(30)}), ValueError, "max_frames"),
    ("widgets.fig_png", lambda: widgets.fig_png("x"), TypeError, "matplotlib figure"),
    ("widgets.explorer", lambda: widgets.explorer(lambda a: None, {"a": [1]}, value={"a": 2}), ValueError, "must be one of"),
    ("widgets.explorer", lambda: widgets.explorer(lambda a: "not a figure", {"a": [1]}), TypeError, "matplotlib figure"),
    # kernels
    ("kernels.apply_kernel", lambda: kernels.apply_kernel(torch.rand(3, 8, 8), kernels.SOBEL_X), ValueError, "2-D grey image"),
    ("kernels.apply_kernel", lambda: kernels.apply_kernel(IMG, torch.rand(9, 9)), ValueError, "larger than the image"),
    ("kernels.apply_kernel", lambda: kernels.apply_kernel(IMG, torch.rand(2, 3)), ValueError, "square 2-D tensor"),
    ("kernels.apply_kernel", lambda: kernels.apply_kernel(np.zeros((8, 8)), kernels.SOBEL_X), TypeError, "img must be a torch.Tensor"),
    ("kernels.sobel_magnitude", lambda: kernels.sobel_magnitude(torch.rand(3, 8, 8)), ValueError, "2-D grey image"),
    ("kernels.conv_matrix", lambda: kernels.conv_matrix(kernels.SOBEL_X, 0, 5), ValueError, "height must be a positive int"),
    ("kernels.conv_matrix", lambda: kernels.conv_matrix(kernels.SOBEL_X, 2, 5), ValueError, "larger than the image"),
    ("kernels.show_signed", lambda: kernels.show_signed(torch.rand(2, 2, 2)), ValueError, "2-D tensor"),
    ("kernels.kernel_editor", lambda: kernels.kernel_editor(IMG, torch.ones(5, 5)), ValueError, "kernel must be 3x3"),
    ("kernels.kernel_editor", lambda: kernels.kernel_editor(torch.rand(2, 2)), ValueError, "larger than the image"),
    # conv
    ("conv.conv2d", lambda: conv.conv2d(X, torch.rand(4, 2, 3, 3)), ValueError, "3 channels but weight expects C_in=2"),
    ("conv.conv2d", lambda: conv.conv2d(X, W, stride=0), ValueError, "stride must be >= 1"),
    ("conv.conv2d", lambda: conv.conv2d(X, W, padding=-1), ValueError, "padding must be >= 0"),
    ("conv.conv2d", lambda: conv.conv2d(X, W, dilation=0), ValueError, "dilation must be >= 1"),
    ("conv.conv2d", lambda: conv.conv2d(torch.rand(1, 3, 2, 2), W), ValueError, "more than the padded input"),
    ("conv.conv2d", lambda: conv.conv2d(IMG, W), ValueError, "input must be 4-D (N,C,H,W) or 3-D"),
    ("conv.conv2d", lambda: conv.conv2d(X.long(), W), TypeError, "floating-point"),
    ("conv.conv2d", lambda: conv.conv2d(X, W, bias=torch.rand(3)), ValueError, "bias must have shape (C_out,)"),
    ("conv.im2col", lambda: conv.im2col(X, 3, stride=0), ValueError, "stride must be >= 1"),
    ("conv.im2col", lambda: conv.im2col(X, 9), ValueError, "padded input"),
    ("conv.conv_out_size", lambda: conv.conv_out_size(8, 3, stride=0), ValueError, "stride must be >= 1"),
    ("conv.conv_out_size", lambda: conv.conv_out_size(8, 3, padding=-1), ValueError, "padding must be >= 0"),
    ("conv.conv_out_size", lambda: conv.conv_out_size(2, 5), ValueError, "kernel larger than the padded input"),
    ("conv.conv_out_size", lambda: conv.conv_out_size(8, 0), ValueError, "kernel_size must be >= 1"),
    ("conv.conv_out_size", lambda: conv.conv_out_size(8, 3, dilation=0), ValueError, "dilation must be >= 1"),
    ("conv.conv_out_size", lambda: conv.conv_out_size(8.5, 3), TypeError, "size must be an int or a pair"),
    ("conv.conv_taps", lambda: conv.conv_taps(0, 0, 3, stride=0), ValueError, "stride must be >= 1"),
    ("conv.conv_out_shape", lambda: conv.conv_out_shape(nn.Sequential(nn.LSTM(3, 3)), (1, 3, 8, 8)), ValueError, "cannot follow a LSTM layer"),
    ("conv.conv_out_shape", lambda: conv.conv_out_shape(nn.Sequential(nn.Conv2d(3, 3, 3)), (3, 8, 8)), ValueError, "input_size must be 4 positive ints"),
    ("conv.conv_out_shape", lambda: conv.conv_out_shape(nn.Sequential(nn.Conv2d(3, 3, 3)), (1, 1, 8, 8)), ValueError, "expects 3 input channels"),
    # layers
    ("layers.summary", lambda: layers.summary("x", (1, 1, 28, 28)), TypeError, "model must be an nn.Module"),
    ("layers.summary", lambda: layers.summary(nn.Conv2d(1, 1, 3), (1, 28, 28)), ValueError, "input_size must be 4 positive ints"),
    ("layers.conv_block", lambda: layers.conv_block(0, 4), ValueError, "in_channels must be an int >= 1"),
    ("layers.conv_block", lambda: layers.conv_block(1, 4, kernel_size=4), ValueError, "positive odd int"),
    ("layers.simple_cnn", lambda: layers.simple_cnn(n_classes=0), ValueError, "n_classes must be an int >= 1"),
    ("layers.simple_cnn", lambda: layers.simple_cnn(channels=(1,)), ValueError, "at least 2 channel counts"),
    # receptive
    ("receptive.receptive_field", lambda: receptive.receptive_field("x", (1, 3, 32, 32)), TypeError, "model must be a torch.nn.Module"),
    ("receptive.receptive_field", lambda: receptive.receptive_field(nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 2)), (1, 3, 32, 32)), ValueError, "no spatial layers"),
    ("receptive.receptive_field", lambda: receptive.receptive_field(nn.Conv2d(3, 3, 3), (3, 32)), ValueError, "input_size must be (C, H, W)"),
    ("receptive.effective_receptive_field", lambda: receptive.effective_receptive_field("x", (1, 3, 32, 32)), TypeError, "torch.nn.Module"),
    ("receptive.effective_receptive_field", lambda: receptive.effective_receptive_field(nn.Conv2d(3, 3, 3), (1, 3, 32, 32), unit=(99, 99)), ValueError, "outside the final feature map"),
    ("receptive.layer_geometry", lambda: receptive.layer_geometry(receptive.INPUT_GEOMETRY, 3, stride=0), ValueError, "must be >= 1"),
    ("receptive.merge_geometry", lambda: receptive.merge_geometry([]), ValueError, "at least one Geometry"),
    ("receptive.footprint_box", lambda: receptive.footprint_box(torch.rand(5)), ValueError, "(H, W) map"),
    ("receptive.footprint_box", lambda: receptive.footprint_box(torch.zeros(5, 5)), ValueError, "no non-zero entry"),
    ("receptive.uniform_copy", lambda: receptive.uniform_copy("x"), TypeError, "torch.nn.Module"),
    ("receptive.feature_extractor", lambda: receptive.feature_extractor("x", (1, 3, 8, 8)), TypeError, "torch.nn.Module"),
    ("receptive.show_receptive_field", lambda: receptive.show_receptive_field(torch.rand(5), receptive.receptive_field(nn.Conv2d(3, 3, 3), (1, 3, 8, 8))), ValueError, "img"),
    # color
    ("color.tint", lambda: color.tint(torch.rand(2, 8, 8)), ValueError, "(3,H,W) or (N,3,H,W)"),
    ("color.to_grey", lambda: color.to_grey(torch.rand(1, 8, 8)), ValueError, "(3,H,W) or (N,3,H,W)"),
    ("color.per_channel_conv", lambda: color.per_channel_conv(torch.rand(3, 8, 8), torch.rand(3, 3, 3)), ValueError, "one 2-D kernel"),
    ("color.imagenet_normalize", lambda: color.imagenet_normalize(torch.rand(2, 8, 8)), ValueError, "(3,H,W) or (N,3,H,W)"),
    ("color.imagenet_normalize", lambda: color.imagenet_normalize(torch.rand(3, 8, 8), std=(0, 1, 1)), ValueError, "std must be > 0"),
    ("color.imagenet_denormalize", lambda: color.imagenet_denormalize(np.zeros((3, 8, 8))), TypeError, "torch.Tensor"),
    ("color.channel_view", lambda: color.channel_view(torch.rand(3, 8, 8), "X"), ValueError, "view must be one of"),
]

# public names with nothing to validate, and why
EXEMPT = {
    "data.mnist_digits": "takes no arguments",
    "data.data_dir": "takes no arguments",
    "data.sample_photos": "takes no arguments",
    "data.gz_sha256": "returns None for anything that is not a complete gzip file, by design",
    "data.fashion_mnist": "its failures are fashion_file's (rows above): the file lookup is all it checks",
    "data.DataUnavailable": "an exception class",
    "receptive.Geometry": "a plain record built by layer_geometry, which validates",
    "receptive.ReceptiveField": "a plain record returned by receptive_field",
}


@pytest.mark.parametrize("name,call,exc,msg", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_bad_input_gets_a_clear_error(name, call, exc, msg):
    with pytest.raises(exc) as e: call()
    assert msg in str(e.value), f"{name}: message {str(e.value)!r} does not say {msg!r}"


def _public_callables():
    for m in pkgutil.iter_modules(cnn_course.__path__):
        if m.name.startswith("_") or m.name == "all": continue
        mod = importlib.import_module(f"cnn_course.{m.name}")
        for n in getattr(mod, "__all__", []):
            if callable(getattr(mod, n)) and not isinstance(getattr(mod, n), (nn.Module, torch.Tensor)):
                yield f"{m.name}.{n}"


def test_every_public_callable_is_covered():
    covered = {c[0] for c in CASES} | set(EXEMPT)
    missing = sorted(set(_public_callables()) - covered)
    assert not missing, f"public callables with no bad-input row (or exemption) in tests/test_bad_input.py: {missing}"
