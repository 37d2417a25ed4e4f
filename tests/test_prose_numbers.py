"""tools/prose_numbers.py: which numbers in the prose it reads, and what backs them."""
import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from prose_numbers import quoted, unbacked_numbers


def _nb(md: str, printed: str = "", code: str = "") -> nbformat.NotebookNode:
    "A notebook of one markdown cell and one code cell that printed `printed`."
    out = [new_output("stream", name="stdout", text=printed)] if printed else []
    return new_notebook(cells=[new_markdown_cell(md), new_code_cell(code, outputs=out)])


def _read(md: str) -> list[str]: return [s for s, *_ in quoted(md)]


def test_results_are_read():
    md = ("It reaches 93.5% accuracy, a loss of 0.21, in 45 s and 120 ms, with 1.2M "
          "parameters, 3,373,570 weights, 25 MFLOPs and 60,000 images.")
    assert _read(md) == [
        "93.5%",
        "0.21",
        "45",
        "120",
        "1.2M",
        "3,373,570",
        "25",
        "60,000",
    ]


def test_settings_names_and_structure_are_not_read():
    md = ("## Step 1. A 3x3 kernel with stride 2 on 28x28 images, four maps\n\n"
          "1. As chapter 7 and exercise 2 show, ResNet-18 (He et al., 2016) uses 64 "
          "channels.\n\nPython 3.11 computes `0.5 * x` and $0.25 n$; see "
          "[the data](00_data.ipynb)."
          "\n\n```python\nlr = 0.001\n```\n\n:::{note}\nIt took 12.5 s.\n:::")
    assert _read(md) == ["12.5"]  # the note is prose; the code block is not


def test_exercise_statements_are_not_read_but_solutions_are():
    md = ("## Exercises\n\n1. Train for 0.5 epochs with 30% validation.\n\n"
          "### Solutions\n\n97.2%")
    assert _read(md) == ["97.2%"]


def test_outputs_back_numbers_but_code_does_not():
    md = "The model reaches 96.0% accuracy, with 1.2M parameters."
    assert unbacked_numbers(_nb(md, "accuracy 0.9603\n1,234,567 parameters\n")) == []
    assert unbacked_numbers(_nb(md, code="acc = 0.96  # 1234567")) == ["96.0%", "1.2M"]
    assert unbacked_numbers(_nb(md, "accuracy 0.9551\n")) == ["96.0%", "1.2M"]


def test_rounding_follows_the_written_digits():
    assert unbacked_numbers(_nb("A loss of 0.21.", "loss 0.2149")) == []
    assert unbacked_numbers(_nb("A loss of 0.215.", "loss 0.2149")) == []
    assert unbacked_numbers(_nb("A loss of 0.216.", "loss 0.2149")) == ["0.216"]


def test_allowed_numbers_pass_with_their_reason():
    nb = _nb("ImageNet has 1,000 classes.")
    assert unbacked_numbers(nb) == ["1,000"]
    assert unbacked_numbers(nb, {"1,000": "the ImageNet paper"}) == []
