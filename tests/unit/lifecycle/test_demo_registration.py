"""``softtoken demo`` shows chapter 1 A and D and chapter 2 steps 1 to 4, with the
proofing QR code drawn in the terminal."""

from __future__ import annotations

import io
from pathlib import Path

from softtoken.cli._demo import CHAPTERS, run_demo
from softtoken.cli._demo_registration import REGISTRATION_CHAPTERS

from ...helpers.qr import decode_png, matrix_to_png, terminal_to_matrix


def test_the_demo_walks_registration(tmp_path: Path) -> None:
    assert all(chapter in CHAPTERS for chapter in REGISTRATION_CHAPTERS)
    out = io.StringIO()
    assert run_demo(out, workdir=tmp_path) == 0
    text = out.getvalue()
    assert "refused [proofing_wallet_unverified]" in text
    assert "refused [holder_mismatch]" in text
    assert "you have completed identity proofing" in text
    assert "ready for activation: True" in text
    assert "registration status confirmed" in text
    chapter = text.split("steps 1 to 4")[1].split("\n=== ")[0]
    qr_lines = [line for line in chapter.split("\n") if line and set(line) <= set("█▀▄ ")]
    payload = decode_png(matrix_to_png(terminal_to_matrix("\n".join(qr_lines))))
    assert payload
    assert payload[0].startswith("paotang://proofing?v=1&")
