"""A hands-on course on convolutional neural networks that runs on a CPU, and the helpers it builds"""

__version__ = "0.0.1"
