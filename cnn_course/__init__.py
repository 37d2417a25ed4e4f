"""A hands-on course on convolutional neural networks that runs on a CPU, and the helpers it builds

Modules:

- `cnn_course.distributed`: Several processes, one model: each process trains on its own share of every batch and the gradients are averaged, run for real with `torchrun` and the gloo backend on this machine's CPU; what it computes exactly, what batch norm changes, what a real run needs, and what it costs.
- `cnn_course.interp`: Which images a trained CNN gets most wrong, which classes it mixes up, and where in an image it looks when it decides: top losses, the confusion matrix and Grad-CAM heat maps built from hooks.
- `cnn_course.kernels`: Hand-made 3x3 kernels that find edges in digits and photos, computed three ways, and why a convolution is a matrix multiplication with zeros and tied weights.
- `cnn_course.layers`: Convolution, ReLU, pooling and a fully connected layer, put together into a small network that tells handwritten 3s from 7s, trained in plain PyTorch and then with fastai.
- `cnn_course.models`: Skip connections let a network grow deeper without growing harder to train: residual blocks, the stem, bottleneck blocks and what they cost in parameters and FLOPs, and a small ResNet that classifies Fashion-MNIST on a CPU in a few minutes.
- `cnn_course.train`: Why a small CNN trained at a high learning rate falls apart, how to watch it happen from the inside with hooks, and what fixes it: larger batches, the 1cycle schedule, the learning-rate finder and batch normalization.
- `cnn_course.tricks`: Random erasing, mixup, label smoothing, weight averaging, test-time augmentation, ensembles, progressive resizing, the batch size and the Muon optimizer: what each trick does, and what it is worth in a short CPU run, measured on held-out training images with a spread over seeds.
- `cnn_course.utils`: The small helpers every module of `cnn_course` shares: argument checks, pairs, a model's device and size, and figures as PNG bytes."""

__version__ = "0.0.1"
