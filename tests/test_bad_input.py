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
from cnn_course import color, conv, data, distributed, interp, kernels, layers, models, pretrained, receptive, train, transfer, tricks, utils, widgets, workflow

IMG = torch.rand(8, 8)
X, W = torch.rand(1, 3, 8, 8), torch.rand(4, 3, 3, 3)
NET = lambda: nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2))
SPLIT = lambda n=4: data.ImageSplit(torch.rand(n, 1, 4, 4), torch.zeros(n, dtype=torch.long),
                                    torch.rand(2, 1, 4, 4), torch.zeros(2, dtype=torch.long), ("a",))

DLS = lambda bs=2, valid=True: train.tensor_dls(torch.rand(4, 3, 8, 8), torch.zeros(4, dtype=torch.long),
                                                *((X, torch.zeros(1, dtype=torch.long)) if valid else ()), bs=bs)

CASES = [  # (public name, call, exception, message fragment)
    # utils
    ("utils.check_int", lambda: utils.check_int(True, "stride", 1), TypeError, "stride must be an int >= 1, got True"),
    ("utils.check_int", lambda: utils.check_int(0, "stride", 1), ValueError, "stride must be an int >= 1, got 0"),
    ("utils.check_pos_int", lambda: utils.check_pos_int(2.0, "n"), TypeError, "n must be an int >= 1, got 2.0"),
    ("utils.check_real", lambda: utils.check_real(float("nan"), "pct", 0, 1), ValueError, "pct must be a real number from 0 to 1"),
    ("utils.check_real", lambda: utils.check_real(False, "lr_max"), TypeError, "lr_max must be a real number, got False"),
    ("utils.pair", lambda: utils.pair((1, True), "stride"), TypeError, "stride must be an int or a pair of ints"),
    ("utils.pair", lambda: utils.pair((1, 0), "stride", 1), ValueError, "stride must be >= 1 along both axes"),
    ("utils.check_shape", lambda: utils.check_shape((1, True, 8), "input_size", 3), ValueError, "input_size must be 3 positive ints"),
    ("utils.model_device", lambda: utils.model_device(torch.rand(2)), TypeError, "model must be an nn.Module"),
    ("utils.param_count", lambda: utils.param_count("net"), TypeError, "model must be an nn.Module"),
    ("utils.fig_png", lambda: utils.fig_png("x"), TypeError, "matplotlib figure"),
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
    ("data.fashion_file", lambda: data.fashion_file("t10k-labels-idx1-ubyte.gz", url="ftp://example.org/"), ValueError, "url must start with http://, https:// or file://, got 'ftp://example.org/'"),
    ("data.fashion_file", lambda: data.fashion_file("t10k-labels-idx1-ubyte.gz", url="https://example.org/fm"), ValueError, "url must be a base address ending in '/'"),
    ("data.fashion_file", lambda: data.fashion_file("t10k-labels-idx1-ubyte.gz", url=None), TypeError, "url must be a str, got NoneType"),
    ("data.fashion_file", lambda: data.fashion_file("t10k-labels-idx1-ubyte.gz", cache="/etc/hostname"), NotADirectoryError, "cache must be a folder, but /etc/hostname is not one"),
    ("data.fashion_file", lambda: data.fashion_file("t10k-labels-idx1-ubyte.gz", cache=3), TypeError, "cache must be a path (str or pathlib.Path), got 3"),
    ("data.fashion_file", lambda: data.fashion_file("t10k-labels-idx1-ubyte.gz", system_dir=None), TypeError, "system_dir must be a path"),
    ("data.read_idx", lambda: data.read_idx("/etc/hostname"), ValueError, "not a complete gzip file"),
    ("data.read_idx", lambda: data.read_idx("/nonexistent/x.gz"), FileNotFoundError, "/nonexistent/x.gz is not a file"),
    ("data.read_idx", lambda: data.read_idx(["x.gz"]), TypeError, "path must be a path (str or pathlib.Path), got ['x.gz']"),
    ("data.download", lambda: data.download("file:///nonexistent/x.gz", "/tmp/cnn_course_bad/x.gz", "0" * 64), OSError, "nonexistent"),
    ("data.download", lambda: data.download("ftp://example.org/x.gz", "/tmp/cnn_course_bad/x.gz", "0" * 64), ValueError, "url must start with http://, https:// or file://"),
    ("data.download", lambda: data.download(b"http://x/x.gz", "/tmp/cnn_course_bad/x.gz", "0" * 64), TypeError, "url must be a str, got bytes"),
    ("data.download", lambda: data.download("file:///x.gz", "/tmp", "0" * 64), IsADirectoryError, "dest must be a file, but /tmp is a folder"),
    ("data.download", lambda: data.download("file:///x.gz", "", "0" * 64), ValueError, "dest must not be an empty path"),
    ("data.download", lambda: data.download("file:///x.gz", "/tmp/cnn_course_bad/x.gz", "abc"), ValueError, "sha256 must be 64 lowercase hex digits, got 'abc'"),
    ("data.download", lambda: data.download("file:///x.gz", "/tmp/cnn_course_bad/x.gz", "0" * 64, retries=-1), ValueError, "retries must be an int >= 0"),
    ("data.download", lambda: data.download("file:///x.gz", "/tmp/cnn_course_bad/x.gz", "0" * 64, timeout="30"), TypeError, "timeout must be a real number >= 0"),
    ("data.sample_photo", lambda: data.sample_photo("dog"), ValueError, "must be one of"),
    ("data.split_dls", lambda: data.split_dls(SPLIT(), bs=0), ValueError, "bs (the batch size) must be an int >= 1"),
    ("data.split_dls", lambda: data.split_dls((1, 2)), TypeError, "split must be an ImageSplit"),
    # widgets
    ("widgets.param_grid", lambda: widgets.param_grid({}), ValueError, "at least one parameter"),
    ("widgets.param_grid", lambda: widgets.param_grid({"a": []}), ValueError, "non-empty list"),
    ("widgets.param_grid", lambda: widgets.param_grid({"a": range(30), "b": range(30)}), ValueError, "max_frames"),
    ("widgets.explorer", lambda: widgets.explorer(lambda a: None, {"a": [1]}, value={"a": 2}), ValueError, "must be one of"),
    ("widgets.explorer", lambda: widgets.explorer(lambda a: "not a figure", {"a": [1]}), TypeError, "matplotlib figure"),
    # kernels
    ("kernels.apply_kernel", lambda: kernels.apply_kernel(torch.rand(3, 8, 8), kernels.SOBEL_X), ValueError, "2-D grey image"),
    ("kernels.apply_kernel", lambda: kernels.apply_kernel(IMG, torch.rand(9, 9)), ValueError, "larger than the image"),
    ("kernels.apply_kernel", lambda: kernels.apply_kernel(IMG, torch.rand(2, 3)), ValueError, "square 2-D tensor"),
    ("kernels.apply_kernel", lambda: kernels.apply_kernel(np.zeros((8, 8)), kernels.SOBEL_X), TypeError, "img must be a torch.Tensor"),
    ("kernels.to_grey", lambda: kernels.to_grey(torch.rand(1, 8, 8)), ValueError, "(3,H,W) or (N,3,H,W)"),
    ("kernels.to_grey", lambda: kernels.to_grey(np.zeros((3, 8, 8))), TypeError, "img must be a torch.Tensor"),
    ("kernels.to_grey", lambda: kernels.to_grey(torch.rand(3, 8, 8), keepdim=1), TypeError, "keepdim must be a bool"),
    ("kernels.sobel_magnitude", lambda: kernels.sobel_magnitude(torch.rand(3, 8, 8)), ValueError, "2-D grey image"),
    ("kernels.conv_matrix", lambda: kernels.conv_matrix(kernels.SOBEL_X, 0, 5), ValueError, "height must be an int >= 1"),
    ("kernels.conv_matrix", lambda: kernels.conv_matrix(kernels.SOBEL_X, 2, 5), ValueError, "larger than the image"),
    ("kernels.show_signed", lambda: kernels.show_signed(torch.rand(2, 2, 2)), ValueError, "2-D tensor"),
    ("kernels.kernel_editor", lambda: kernels.kernel_editor(IMG, torch.ones(5, 5)), ValueError, "kernel must be 3x3"),
    ("kernels.kernel_editor", lambda: kernels.kernel_editor(torch.rand(2, 2)), ValueError, "larger than the image"),
    # conv
    ("conv.conv2d", lambda: conv.conv2d(X, torch.rand(4, 2, 3, 3)), ValueError, "3 channels but weight expects C_in=2"),
    ("conv.conv2d", lambda: conv.conv2d(X, W, stride=0), ValueError, "stride must be >= 1"),
    ("conv.conv2d", lambda: conv.conv2d(X, W, padding=-1), ValueError, "padding must be >= 0"),
    ("conv.conv2d", lambda: conv.conv2d(X, W, dilation=0), ValueError, "dilation must be >= 1"),
    ("conv.conv2d", lambda: conv.conv2d(torch.rand(1, 3, 2, 2), W), ValueError, "larger than the padded input"),
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
    ("layers.dry_run", lambda: layers.dry_run(nn.Conv2d(1, 1, 3), (1, 28, 28), {}), ValueError, "input_size must be 4 positive ints"),
    ("layers.dry_run", lambda: layers.dry_run(None, (1, 1, 28, 28), {}), TypeError, "model must be an nn.Module"),
    ("layers.conv_block", lambda: layers.conv_block(0, 4), ValueError, "in_channels must be an int >= 1"),
    ("layers.conv_block", lambda: layers.conv_block(1, 4, kernel_size=4), ValueError, "positive odd int"),
    ("layers.simple_cnn", lambda: layers.simple_cnn(n_classes=0), ValueError, "n_classes must be an int >= 1"),
    ("layers.simple_cnn", lambda: layers.simple_cnn(channels=(1,)), ValueError, "at least 2 channel counts"),
    # receptive
    ("receptive.receptive_field", lambda: receptive.receptive_field("x", (1, 3, 32, 32)), TypeError, "model must be a torch.nn.Module"),
    ("receptive.receptive_field", lambda: receptive.receptive_field(nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 2)), (1, 3, 32, 32)), ValueError, "no spatial layers"),
    ("receptive.receptive_field", lambda: receptive.receptive_field(nn.Conv2d(3, 3, 3), (3, 32)), ValueError, "input_size must be 3 or 4 positive ints"),
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
    ("color.per_channel_conv", lambda: color.per_channel_conv(torch.rand(3, 8, 8), torch.rand(3, 3, 3)), ValueError, "one 2-D kernel"),
    ("color.imagenet_normalize", lambda: color.imagenet_normalize(torch.rand(2, 8, 8)), ValueError, "(3,H,W) or (N,3,H,W)"),
    ("color.imagenet_normalize", lambda: color.imagenet_normalize(torch.rand(3, 8, 8), std=(0, 1, 1)), ValueError, "std must be > 0"),
    ("color.imagenet_denormalize", lambda: color.imagenet_denormalize(np.zeros((3, 8, 8))), TypeError, "torch.Tensor"),
    ("color.channel_view", lambda: color.channel_view(torch.rand(3, 8, 8), "X"), ValueError, "view must be one of"),
    # train
    ("train.ActivationStats", lambda: train.ActivationStats(nn.Sequential(nn.Conv2d(1, 4, 3), nn.Tanh())), ValueError, "model has no module of type"),
    ("train.ActivationStats", lambda: train.ActivationStats(NET(), modules="ReLU"), TypeError, "modules must be a module class"),
    ("train.ActivationStats", lambda: train.ActivationStats(NET()).hist(5), ValueError, "layer must be one of ['2']"),
    ("train.ActivationStats", lambda: train.ActivationStats(NET()).hist("2"), ValueError, "nothing recorded yet"),
    ("train.plot_stats", lambda: train.plot_stats(train.ActivationStats(NET()), "median"), ValueError, "stat must be 'mean', 'std' or 'near_zero'"),
    ("train.color_dim", lambda: train.color_dim(train.ActivationStats(NET()), "0"), ValueError, "layer must be one of"),
    ("train.cos_anneal", lambda: train.cos_anneal(0., 1., 1.5), ValueError, "pos must be in [0, 1]"),
    ("train.cos_anneal", lambda: train.cos_anneal(0., "1", 0.5), TypeError, "end must be a real number"),
    ("train.one_cycle", lambda: train.one_cycle(1.5, 0.1), ValueError, "pct must be in [0, 1]"),
    ("train.one_cycle", lambda: train.one_cycle(0.5, 0.1, pct_start=1.), ValueError, "pct_start must be in (0, 1)"),
    ("train.one_cycle", lambda: train.one_cycle(0.5, -0.1), ValueError, "lr_max, div and div_final must be > 0"),
    ("train.one_cycle", lambda: train.one_cycle(0.5, float("nan")), ValueError, "lr_max must be a real number"),
    ("train.one_cycle", lambda: train.one_cycle(0.5, 0.1, moms=(0.9,)), ValueError, "moms must be 3 momentums"),
    ("train.set_hypers", lambda: train.set_hypers(torch.optim.Adagrad(NET().parameters()), 0.1, 0.9), TypeError, "must have a 'momentum' (SGD) or 'betas'"),
    ("train.set_hypers", lambda: train.set_hypers(torch.optim.SGD(NET().parameters()), [0.1, 0.2]), ValueError, "one rate or 1 (one per group)"),
    ("train.TensorBatches", lambda: train.TensorBatches(torch.rand(4, 1, 8, 8), torch.zeros(3)), ValueError, "x has 4 items but y has 3"),
    ("train.TensorBatches", lambda: train.TensorBatches(torch.rand(4, 1, 8, 8), torch.zeros(4), bs=0), ValueError, "bs must be an int >= 1"),
    ("train.TensorBatches", lambda: train.TensorBatches(torch.rand(4, 1, 8, 8), torch.zeros(4), bs=True), TypeError, "bs must be an int >= 1"),
    ("train.tensor_dls", lambda: train.tensor_dls(torch.rand(4, 1, 8, 8), torch.zeros(4), torch.rand(2, 1, 8, 8)), ValueError, "give both x_valid and y_valid"),
    ("train.Learner", lambda: train.Learner("model", DLS()), TypeError, "model must be an nn.Module"),
    ("train.Learner", lambda: train.Learner(NET(), [(X, torch.zeros(1))]), TypeError, "dls must have .train and .valid"),
    ("train.Learner", lambda: train.Learner(NET(), DLS(), cbs=[print]), TypeError, "cbs must be Callback instances"),
    ("train.Learner", lambda: train.Learner(NET(), DLS()).fit_one_cycle(1, steps=5), ValueError, "give one of epochs, steps or seconds"),
    ("train.Learner", lambda: train.Learner(NET(), DLS()).fit_one_cycle(1, lr_max=[0.1, 0.01]), ValueError, "one rate or 1 (one per parameter group)"),
    ("train.Learner", lambda: train.Learner(NET(), DLS()).fit_one_cycle(1, lr_max=0.1, div=-1), ValueError, "lr_max, div and div_final must be > 0"),
    ("train.Learner", lambda: train.Learner(NET(), DLS()).fit(0), ValueError, "epochs must be an int >= 1"),
    ("train.Learner", lambda: train.Learner(NET(), DLS()).fit(1, lr=True), TypeError, "lr must be a real number"),
    ("train.Learner", lambda: train.Learner(NET(), DLS(bs=8)).fit(1), ValueError, "dls.train gave no batch"),
    ("train.Learner", lambda: train.Learner(NET(), DLS(valid=False)).evaluate(), ValueError, "nothing to predict"),
    ("train.Learner", lambda: train.Learner(NET(), DLS()).steps_for(1e-3, n=1), ValueError, "too short"),
    ("train.BatchTransform", lambda: train.BatchTransform("flip"), TypeError, "tfm must be callable"),
    ("train.Autocast", lambda: train.Autocast("yes"), TypeError, "bf16 must be None, True or False"),
    ("train.ActivationStatsCB", lambda: train.ActivationStatsCB("ReLU"), TypeError, "modules must be a module class"),
    ("train.StopAfter", lambda: train.StopAfter(-1), ValueError, "seconds must be a real number >= 0"),
    ("train.matmul_gflops", lambda: train.matmul_gflops(torch.float32, n=0), ValueError, "n must be an int >= 1"),
    ("train.bf16_faster", lambda: train.bf16_faster("abacus"), RuntimeError, "Expected one of"),
    # tricks
    ("tricks.random_erase", lambda: tricks.random_erase(torch.rand(1, 28, 28)), ValueError, "x must be a batch of images (N,C,H,W)"),
    ("tricks.random_erase", lambda: tricks.random_erase(X, p=2), ValueError, "p must be a real number from 0 to 1"),
    ("tricks.random_erase", lambda: tricks.random_erase(X, area=(0.5, 0.1)), ValueError, "area must be a pair (a, b) with 0 < a <= b <= 1"),
    ("tricks.random_erase", lambda: tricks.random_erase(X, ratio=(0, 1)), ValueError, "ratio must be a pair (a, b) with 0 < a <= b"),
    ("tricks.random_erase", lambda: tricks.random_erase(X, value="mean"), ValueError, "value must be a number or 'noise'"),
    ("tricks.random_erase", lambda: tricks.random_erase(X, g=42), TypeError, "g must be a torch.Generator or None"),
    ("tricks.MixUp", lambda: tricks.MixUp(alpha=0), ValueError, "alpha must be > 0"),
    ("tricks.MixUp", lambda: tricks.MixUp(alpha="0.4"), TypeError, "alpha must be a real number"),
    ("tricks.MixUp", lambda: tricks.MixUp(seed=-1), ValueError, "seed must be an int >= 0"),
    ("tricks.CutMix", lambda: tricks.CutMix(alpha=-1.), ValueError, "alpha must be a real number >= 0"),
    ("tricks.EMA", lambda: tricks.EMA(decay=1.5), ValueError, "decay must be a real number from 0 to 1"),
    ("tricks.EMA", lambda: tricks.EMA(warmup="yes"), TypeError, "warmup must be True or False"),
    ("tricks.EMA", lambda: tricks.EMA().use(train.Learner(NET(), DLS())), ValueError, "nothing to load: fit with this EMA first"),
    ("tricks.tta_views", lambda: tricks.tta_views(X, shift=-1), ValueError, "shift must be an int >= 0"),
    ("tricks.tta_views", lambda: tricks.tta_views(X, tta=1), TypeError, "tta must be True or False"),
    ("tricks.ensemble_preds", lambda: tricks.ensemble_preds(NET(), X), TypeError, "models must be a non-empty list of Learners or nn.Modules"),
    ("tricks.ensemble_preds", lambda: tricks.ensemble_preds([], X), TypeError, "models must be a non-empty list"),
    ("tricks.ensemble_preds", lambda: tricks.ensemble_preds([NET(), "net"], X), TypeError, "models must be Learners or nn.Modules, got ['str']"),
    ("tricks.ensemble_preds", lambda: tricks.ensemble_preds([NET()], X, bs=0), ValueError, "bs must be an int >= 1"),
    ("tricks.orthogonalise", lambda: tricks.orthogonalise(torch.rand(2, 3, 3)), ValueError, "g must be a matrix (rows, cols)"),
    ("tricks.orthogonalise", lambda: tricks.orthogonalise(torch.rand(2, 3), steps=0), ValueError, "steps must be an int >= 1"),
    ("tricks.Muon", lambda: tricks.Muon(NET().parameters(), lr=-1), ValueError, "lr must be a real number >= 0"),
    ("tricks.Muon", lambda: tricks.Muon(NET().parameters(), momentum=2), ValueError, "momentum must be a real number from 0 to 1"),
    ("tricks.conv_split", lambda: tricks.conv_split("net"), TypeError, "model must be an nn.Module, got str"),
    # models
    ("models.conv_layer", lambda: models.conv_layer(0, 8), ValueError, "ni must be an int >= 1"),
    ("models.conv_layer", lambda: models.conv_layer(8, 8, kernel_size=2), ValueError, "kernel_size must be a positive odd int"),
    ("models.conv_layer", lambda: models.conv_layer(8, 8, stride=0), ValueError, "stride must be an int >= 1"),
    ("models.plain_cnn", lambda: models.plain_cnn(channels=(16, 32), blocks=(1, 1, 1)), ValueError, "channels and blocks must have the same length"),
    ("models.plain_cnn", lambda: models.plain_cnn(stem=()), ValueError, "stem must be a non-empty tuple"),
    ("models.ResBlock", lambda: models.ResBlock(16, 32, stride=3), ValueError, "stride must be 1 or 2"),
    ("models.ResBlock", lambda: models.ResBlock(16, 2, bottleneck=True), ValueError, "a bottleneck needs nf >= expansion"),
    ("models.resnet", lambda: models.resnet(blocks=(1, 1, 0, 1)), ValueError, "blocks[2] must be an int >= 1"),
    ("models.resnet", lambda: models.resnet(n_classes=0), ValueError, "n_classes must be an int >= 1"),
    ("models.augment", lambda: models.augment(torch.rand(1, 28, 28), 2, True, torch.Generator()), ValueError, "x must be a batch of images (N,C,H,W)"),
    ("models.augment", lambda: models.augment(torch.rand(2, 1, 28, 28), -1, True, torch.Generator()), ValueError, "pad must be an int >= 0"),
    ("models.param_count", lambda: models.param_count("conv"), TypeError, "model must be an nn.Module"),
    ("models.flop_count", lambda: models.flop_count(nn.Conv2d(1, 1, 3), (1, 0, 8, 8)), ValueError, "input_size must be 4 positive ints"),
    # pretrained
    ("pretrained.model_spec", lambda: pretrained.model_spec("resnet50"), ValueError, "name must be one of ['efficientnet_lite0', 'resnet18', 'mobilenet_v2']"),
    ("pretrained.load_pretrained", lambda: pretrained.load_pretrained("vgg16"), ValueError, "name must be one of"),
    ("pretrained.load_pretrained", lambda: pretrained.load_pretrained("resnet18", download=False, model_dir="/nonexistent"), pretrained.WeightsUnavailable, "download=False"),
    ("pretrained.load_pretrained", lambda: pretrained.load_pretrained("resnet18", weights="/etc/hostname"), ValueError, "could not be read as a weights file with weights_only=True"),
    ("pretrained.read_state_dict", lambda: pretrained.read_state_dict("/nonexistent/w.pth"), ValueError, "could not be read"),
    ("pretrained.load_checked", lambda: pretrained.load_checked(nn.Linear(2, 2), {"weight": torch.zeros(3, 2), "bias": torch.zeros(2)}), ValueError, "1 wrong shapes"),
    ("pretrained.load_checked", lambda: pretrained.load_checked(nn.Linear(2, 2), {"weight": torch.zeros(2, 2)}), ValueError, "1 missing keys ['bias']"),
    ("pretrained.DepthwiseSeparable", lambda: pretrained.DepthwiseSeparable(32, 0), ValueError, "out_channels must be an int >= 1"),
    ("pretrained.InvertedResidual", lambda: pretrained.InvertedResidual(16, 16, stride=3), ValueError, "stride must be an int from 1 to 2"),
    ("pretrained.InvertedResidual", lambda: pretrained.InvertedResidual(16, 16, expand_ratio=0), ValueError, "expand_ratio must be an int >= 1"),
    ("pretrained.preprocess", lambda: pretrained.preprocess(torch.rand(1, 3, 64, 64)), ValueError, "one RGB image of shape (3,H,W)"),
    ("pretrained.preprocess", lambda: pretrained.preprocess((torch.rand(3, 64, 64) * 255).byte()), TypeError, "divide uint8 images by 255"),
    ("pretrained.preprocess", lambda: pretrained.preprocess(torch.rand(3, 64, 64), size=300), ValueError, "at most resize=256"),
    ("pretrained.preprocess", lambda: pretrained.preprocess(torch.rand(3, 64, 64), name="alexnet"), ValueError, "name must be one of"),
    ("pretrained.predict_topk", lambda: pretrained.predict_topk(NET(), torch.rand(3, 224, 224)), ValueError, "one preprocessed image (1,3,H,W)"),
    ("pretrained.predict_topk", lambda: pretrained.predict_topk(NET(), torch.rand(1, 3, 8, 8), k=0, categories=("a", "b")), ValueError, "k must be an int from 1 to 2"),
    ("pretrained.plot_topk", lambda: pretrained.plot_topk(torch.rand(8, 8), None), ValueError, "img must be a photo (3,H,W)"),
    # transfer
    ("transfer.head_name", lambda: transfer.head_name(nn.Conv2d(1, 1, 3)), ValueError, "has no nn.Linear layer"),
    ("transfer.head_name", lambda: transfer.head_name("resnet18"), TypeError, "model must be an nn.Module"),
    ("transfer.replace_head", lambda: transfer.replace_head(NET(), 0), ValueError, "n_classes must be an int >= 1"),
    ("transfer.freeze_body", lambda: transfer.freeze_body(nn.Conv2d(1, 1, 3)), ValueError, "has no nn.Linear layer"),
    ("transfer.layer_groups", lambda: transfer.layer_groups(NET(), n_groups=1), ValueError, "n_groups must be an int from 2 to"),
    ("transfer.discriminative_lrs", lambda: transfer.discriminative_lrs(-1e-3, 3), ValueError, "lr must be > 0 and div >= 1"),
    ("transfer.discriminative_lrs", lambda: transfer.discriminative_lrs(float("nan"), 3), ValueError, "lr must be > 0"),
    ("transfer.discriminative_lrs", lambda: transfer.discriminative_lrs(1e-3, 0), ValueError, "n_groups must be an int >= 1"),
    ("transfer.param_groups", lambda: transfer.param_groups(NET(), 1e-3, n_groups=99), ValueError, "n_groups must be an int from 2 to"),
    ("transfer.fine_tune", lambda: transfer.fine_tune(train.Learner(NET(), DLS(), splitter=lambda m: [list(m.parameters())[:-2], list(m.parameters())[-2:]]), 0), ValueError, "epochs must be an int >= 1"),
    ("transfer.recompute_bn_stats", lambda: transfer.recompute_bn_stats(nn.Linear(2, 2), torch.rand(4, 2)), ValueError, "has no batch norm layer"),
    # interp
    ("interp.show_top_losses", lambda: interp.show_top_losses(torch.rand(4, 1, 8, 8), torch.rand(3, 10), torch.zeros(4, dtype=torch.long), "abcdefghij"), ValueError, "must have the same N"),
    ("interp.show_top_losses", lambda: interp.show_top_losses(torch.rand(4, 1, 8, 8), torch.rand(4, 10), torch.zeros(4, dtype=torch.long), "abcdefghij", k=5), ValueError, "k must be between 1 and 4"),
    ("interp.Hook", lambda: interp.Hook("layer4"), TypeError, "module must be an nn.Module"),
    ("interp.class_map", lambda: interp.class_map(torch.rand(4, 7, 7), torch.rand(5)), ValueError, "acts must be (K,h,w) and weights (K,)"),
    ("interp.show_cam", lambda: interp.show_cam(torch.rand(2, 8, 8), torch.rand(8, 8)), ValueError, "image must be (3,H,W), (1,H,W) or (H,W)"),
    ("interp.show_cam", lambda: interp.show_cam(torch.rand(3, 8, 8), torch.rand(1, 8, 8)), ValueError, "heatmap must be (h,w)"),
    ("interp.find_layer", lambda: interp.find_layer(NET(), "layer4"), ValueError, "target_layer 'layer4' is not a module name of model"),
    ("interp.find_layer", lambda: interp.find_layer(NET(), nn.Conv2d(3, 4, 3)), ValueError, "target_layer is not a module of model"),
    ("interp.gradcam", lambda: interp.gradcam(NET(), torch.rand(3, 8, 8), "0", class_idx=2), ValueError, "must be an int from 0 to 1"),
    ("interp.gradcam", lambda: interp.gradcam(NET(), torch.rand(1, 3, 8, 8), "0"), ValueError, "x must be one image (C,H,W)"),
    ("interp.gradcam", lambda: interp.gradcam(NET(), torch.rand(3, 8, 8), "5"), ValueError, "target_layer must output (1,K,h,w)"),
    # workflow
    ("workflow.pets_label", lambda: workflow.pets_label("Abyssinian_100.mat"), ValueError, "not named like an Oxford-IIIT Pet photo"),
    ("workflow.pets_images", lambda: workflow.pets_images("https://example.org/pets.zip"), ValueError, "url must be the address of a .tgz archive"),
    ("workflow.pets_images", lambda: workflow.pets_images("ftp://example.org/pets.tgz"), ValueError, "(http://, https:// or file://), got 'ftp://example.org/pets.tgz'"),
    ("workflow.shipped_photo", lambda: workflow.shipped_photo("dog"), ValueError, "name must be one of"),
    ("workflow.photo_folders", lambda: workflow.photo_folders(n_train=0), ValueError, "n_train must be an int >= 1"),
    ("workflow.photo_folders", lambda: workflow.photo_folders("/"), ValueError, "dest must be empty or new"),
    ("workflow.lite0_body", lambda: workflow.lite0_body(NET()), TypeError, "model must be the packaged EfficientNet-Lite0"),
    ("workflow.lite0_split", lambda: workflow.lite0_split(nn.Linear(2, 2)), TypeError, "model must be vision_learner's nn.Sequential(body, head)"),
    ("workflow.efficientnet_lite0", lambda: workflow.efficientnet_lite0("yes"), TypeError, "pretrained must be True or False"),
    ("workflow.photo_source", lambda: workflow.photo_source(1), TypeError, "online must be True or False"),
    ("workflow.photo_dls", lambda: workflow.photo_dls("photos"), TypeError, "source must be a PhotoSource"),
    ("workflow.predict_batch", lambda: workflow.predict_batch(NET(), [], lambda x: x), ValueError, "images must be a non-empty list"),
    ("workflow.predict_batch", lambda: workflow.predict_batch(NET(), [torch.rand(3, 8, 8)], lambda x: x, k=3, categories=("a", "b")), ValueError, "k must be an int from 1 to 2"),
    ("workflow.cpu_latency", lambda: workflow.cpu_latency(NET(), repeats=0), ValueError, "repeats must be an int >= 1"),
    # distributed
    ("distributed.launch", lambda: distributed.launch(lambda: 0), ValueError, "target must be importable"),
    ("distributed.launch", lambda: distributed.launch("/nonexistent/train.py"), ValueError, "existing .py script"),
    ("distributed.launch", lambda: distributed.launch(3), TypeError, "a function or the path of a .py script"),
    ("distributed.launch", lambda: distributed.launch(utils.param_count, args="x"), TypeError, "args must be a tuple or a list"),
    ("distributed.launch", lambda: distributed.launch(utils.param_count, nproc=0), ValueError, "nproc must be an int >= 1"),
    ("distributed.launch", lambda: distributed.launch(utils.param_count, threads=True), TypeError, "threads must be an int >= 1"),
    ("distributed.standalone_config", lambda: distributed.standalone_config(0), ValueError, "nproc must be an int >= 1"),
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
    "pretrained.imagenet_categories": "takes no arguments",
    "pretrained.ModelSpec": "a plain record; model_spec validates the name",
    "pretrained.WeightsUnavailable": "an exception class",
    "workflow.PhotoSource": "a plain record; photo_source builds it and photo_dls checks its type",
    "train.CancelFitException": "an exception class",
    "train.Callback": "a base class whose hooks do nothing; it takes no arguments",
    "train.ChannelsLast": "takes no arguments",
    "train.ProgressBar": "takes no arguments",
    "distributed.RankFailed": "an exception class",
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
