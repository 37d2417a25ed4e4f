"""The online branch of chapter 12, tested offline.

In Colab the chapter downloads Oxford-IIIT Pet with fastai's `untar_data(URLs.PETS)`, labels the
photos by file name and trains ResNet-34. Here a small archive in the same format (a .tgz holding
`oxford-iiit-pet/images/<breed>_<n>.jpg`, a few non-photo files and `annotations/`) is served from
127.0.0.1, at the same path as fastai's address, and the chapter's code runs on it: download,
fastai's size-and-hash check, extraction, labelling, a `DataLoaders` and a forward pass through
ResNet-34. A wrong address, layout, label pattern or checksum handling fails here instead of
failing a reader. The server answers a bounded number of requests and stops with the test.
"""
import functools
import hashlib
import http.server
import tarfile
import threading
from pathlib import Path
from urllib.parse import urlparse

import fastai.data
import fastdownload.core
import pytest
import torch
from fastai.data.external import URLs
from fastai.vision.learner import vision_learner
from fastdownload.core import checks_module, read_checks
from PIL import Image

from cnn_course import workflow

BREEDS = ["Abyssinian", "Bengal", "american_bulldog", "great_pyrenees", "staffordshire_bull_terrier"]
MAX_REQUESTS = 20


def _make_archive(folder: Path, with_images: bool = True) -> Path:
    "A .tgz with the layout of fastai's Oxford-IIIT Pet archive, 4 photos per breed."
    root = folder / "src" / "oxford-iiit-pet"
    imgs = root / ("images" if with_images else "photos")
    imgs.mkdir(parents=True)
    (root / "annotations").mkdir()
    (root / "annotations" / "list.txt").write_text("# Image CLASS-ID SPECIES BREED ID\n")
    for b, breed in enumerate(BREEDS):
        for n in range(1, 5):
            colour = (40 * b, 255 - 40 * b, 30 * n)
            Image.new("RGB", (80 + 10 * n, 64), colour).save(imgs / f"{breed}_{n}.jpg")
    (imgs / "Abyssinian_100.mat").write_bytes(b"not a photo")  # the real folder has a few
    url_path = urlparse(URLs.PETS).path  # /fast-ai-imageclas/oxford-iiit-pet.tgz
    archive = folder / "www" / url_path.lstrip("/")
    archive.parent.mkdir(parents=True)
    with tarfile.open(archive, "w:gz") as tar: tar.add(root, arcname="oxford-iiit-pet")
    return archive


class _Server:
    "A static file server on 127.0.0.1 that counts requests and refuses after MAX_REQUESTS."
    def __init__(self, www: Path):
        self.requests = []
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append(self.path)
                if len(outer.requests) > MAX_REQUESTS: return self.send_error(429)
                return super().do_GET()
            def log_message(self, *args): pass

        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(www)))
        self.httpd.timeout = 5
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str: return f"http://127.0.0.1:{self.httpd.server_port}{path}"

    def close(self):
        self.httpd.shutdown(); self.httpd.server_close(); self.thread.join(timeout=5)


@pytest.fixture
def pets(tmp_path):
    "(local url of the archive, the archive, the server), with the server stopped afterwards."
    archive = _make_archive(tmp_path)
    server = _Server(tmp_path / "www")
    try: yield server.url(urlparse(URLs.PETS).path), archive, server
    finally: server.close()


def test_the_chapter_uses_fastais_pets_address_and_fastai_checks_it():
    assert workflow.PETS_URL == URLs.PETS
    assert urlparse(URLs.PETS).path.endswith("/oxford-iiit-pet.tgz")
    size, md5 = read_checks(checks_module(fastai.data))[URLs.PETS]  # what untar_data compares
    assert size > 700_000_000 and len(md5) == 32


def test_download_extract_and_label(pets, tmp_path):
    url, archive, server = pets
    path = workflow.pets_images(url, base=tmp_path / "fastai")
    assert path.name == "images" and path.parent.name == "oxford-iiit-pet"
    assert path.is_relative_to(tmp_path / "fastai")  # nothing written to the user's ~/.fastai
    photos = sorted(p.name for p in path.glob("*.jpg"))
    assert len(photos) == 4 * len(BREEDS)
    assert sorted({workflow.pets_label(p) for p in photos}) == sorted(BREEDS)
    assert server.requests == [urlparse(URLs.PETS).path]
    workflow.pets_images(url, base=tmp_path / "fastai")  # second call: extracted data is reused
    assert len(server.requests) == 1


def test_a_checksum_mismatch_raises_and_a_match_passes(pets, tmp_path, monkeypatch):
    url, archive, server = pets
    data = archive.read_bytes()
    good = (len(data), hashlib.md5(data[:2**20]).hexdigest())  # fastdownload's path_stats
    monkeypatch.setattr(fastdownload.core, "read_checks", lambda fmod: {url: (good[0] + 1, good[1])})
    with pytest.raises(Exception, match="corrupt"): workflow.pets_images(url, base=tmp_path / "bad")
    monkeypatch.setattr(fastdownload.core, "read_checks", lambda fmod: {url: good})
    assert workflow.pets_images(url, base=tmp_path / "good").is_dir()


def test_a_wrong_address_or_layout_fails_clearly(pets, tmp_path):
    url, archive, server = pets
    with pytest.raises(Exception, match="404"):
        workflow.pets_images(url.replace("fast-ai-imageclas", "fast-ai-nlp"), base=tmp_path / "a")
    other = _make_archive(tmp_path / "other", with_images=False)
    server2 = _Server(tmp_path / "other" / "www")
    try:
        with pytest.raises(ValueError, match="without an images/ folder"):
            workflow.pets_images(server2.url(urlparse(URLs.PETS).path), base=tmp_path / "b")
    finally: server2.close()
    assert other.exists()


def test_the_chapters_online_code_path_runs_on_the_local_copy(pets, tmp_path):
    url, archive, server = pets
    source = workflow.photo_source(True, url=url, base=tmp_path / "fastai")
    assert source.name == "Oxford-IIIT Pet" and (source.presize, source.size) == (460, 224)
    dls = workflow.photo_dls(source, bs=4)
    assert list(dls.vocab) == sorted(BREEDS)
    assert len(dls.train_ds) + len(dls.valid_ds) == 4 * len(BREEDS) and len(dls.valid_ds) == 4
    xb, yb = dls.one_batch()
    assert xb.shape == (4, 3, 224, 224)
    learn = vision_learner(dls, source.arch, pretrained=False)  # ResNet-34, no weights download
    with torch.no_grad(): out = learn.model.eval()(xb)
    assert out.shape == (4, len(BREEDS))
    assert len(server.requests) <= MAX_REQUESTS
