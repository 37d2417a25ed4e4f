"""A hands-on course on convolutional neural networks that runs on a CPU, and the helpers it builds

Modules:

- `cnn_course.kernels`: Hand-made 3x3 kernels that find edges in digits and photos, computed three ways, and why a convolution is a matrix multiplication with zeros and tied weights."""

__version__ = "0.0.1"
