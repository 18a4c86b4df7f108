"""The network panel: the weather of the link between host A and host B for the next run.

Loss, delay, reordering and duplication for a two-host lesson (one with a NETWORK). Applying
restarts the lesson with them (the run host builds its link before the first call, so a link
cannot change under a running lesson); "The lesson's own link" goes back to what the lesson
declares. One-host lessons have no link: the panel says so and keeps its values for later.

The link's random choices come from a seed (engine/wire/relay.py): the same seed drops, delays
and duplicates the same packets again, so a lesson can be shown twice alike; "New seed" draws
another. The seed goes with the weather and is in the trace's header (``network.link.seed``);
the panel also says which seed the run on screen had.
"""

from __future__ import annotations

import random
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from socketscope.engine.scenario import Scenario

# (field of engine/wire/network.py Link, upper bound, step, decimals)
FIELDS = (
    ("loss", 100.0, 1.0, 1),
    ("delay_ms", 2000.0, 5.0, 0),
    ("jitter_ms", 1000.0, 1.0, 0),
    ("reorder", 100.0, 1.0, 1),
    ("duplicate", 100.0, 1.0, 1),
)
SEED_MAX = 2**31 - 1  # what a spin box holds; any whole number seeds the relay's generator


class NetworkPanel(QFrame):
    """Emits ``applied`` with the chosen weather, or None for the lesson's own link."""

    applied = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("network-panel")
        self.setFrameShape(QFrame.Shape.StyledPanel)  # a popup over the docks: its own edge
        self.setAutoFillBackground(True)
        self.title = QLabel()
        f = self.title.font()
        f.setBold(True)
        self.title.setFont(f)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setMinimumWidth(340)
        self.spins: dict[str, QDoubleSpinBox] = {}
        self.labels: dict[str, QLabel] = {}
        form = QFormLayout()
        for name, top, step, decimals in FIELDS:
            spin = QDoubleSpinBox()
            spin.setObjectName(f"network-{name}")
            spin.setRange(0.0, top)
            spin.setSingleStep(step)
            spin.setDecimals(decimals)
            spin.setAlignment(Qt.AlignmentFlag.AlignRight)
            self.spins[name] = spin
            self.labels[name] = QLabel()
            form.addRow(self.labels[name], spin)
        # the seed: a spin box to type one (to repeat a run), a button to draw a new one
        self.seed = QSpinBox()
        self.seed.setObjectName("network-seed")
        self.seed.setRange(0, SEED_MAX)
        self.seed.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.new_seed_button = QPushButton()
        self.new_seed_button.setObjectName("network-new-seed")
        self.new_seed_button.setAutoDefault(False)  # Enter in a field applies, never redraws
        self.new_seed_button.clicked.connect(self.new_seed)
        seed_row = QHBoxLayout()
        seed_row.setContentsMargins(0, 0, 0, 0)
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.new_seed_button)
        self.seed_label = QLabel()
        form.addRow(self.seed_label, seed_row)
        self.used = QLabel()  # the seed of the run on screen
        self.used.setObjectName("network-used-seed")
        self.used.setWordWrap(True)
        self._used_seed: int | None = None
        self.apply_button = QPushButton()
        self.apply_button.setObjectName("network-apply")
        self.apply_button.setDefault(True)
        self.own_button = QPushButton()
        self.own_button.setObjectName("network-own")
        self.apply_button.clicked.connect(lambda: self.applied.emit(self.weather()))
        self.own_button.clicked.connect(lambda: self.applied.emit(None))
        buttons = QHBoxLayout()
        buttons.addWidget(self.own_button)
        buttons.addStretch(1)
        buttons.addWidget(self.apply_button)
        box = QVBoxLayout(self)
        box.addWidget(self.title)
        box.addLayout(form)
        box.addWidget(self.used)
        box.addWidget(self.note)
        box.addLayout(buttons)
        self._two_hosts = False
        self.retranslate()

    def weather(self) -> dict[str, Any]:
        out: dict[str, Any] = {name: float(spin.value()) for name, spin in self.spins.items()}
        out["seed"] = int(self.seed.value())
        return out

    def new_seed(self) -> None:
        """Another seed: the next run makes other random choices (applying starts it)."""
        old = self.seed.value()
        seed = old
        while seed == old:
            seed = random.randint(1, SEED_MAX)
        self.seed.setValue(seed)

    def show_for(
        self,
        scenario: Scenario | None,
        weather: dict[str, Any] | None,
        header: dict[str, Any] | None = None,
    ) -> None:
        """Fill in what the next run of ``scenario`` would use: the chosen weather, else the
        lesson's own link; ``header``: the trace on screen's, for the seed its run had."""
        self._two_hosts = scenario is not None and scenario.network is not None
        values: dict[str, Any] = {}
        if scenario is not None and scenario.network is not None:
            values = scenario.network.link.to_json()
        if weather:
            values.update(weather)
        for name, spin in self.spins.items():
            spin.setValue(float(values.get(name, spin.value() if not self._two_hosts else 0.0)))
            spin.setEnabled(self._two_hosts)
        seed = values.get("seed")
        if isinstance(seed, int) and not isinstance(seed, bool) and 0 <= seed <= SEED_MAX:
            self.seed.setValue(seed)
        self.seed.setEnabled(self._two_hosts)
        self.new_seed_button.setEnabled(self._two_hosts)
        self._used_seed = _seed_of(header) if self._two_hosts else None
        self.apply_button.setEnabled(self._two_hosts)
        self.own_button.setEnabled(self._two_hosts and bool(weather))
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("The link between host A and host B"))
        words = {
            "loss": self.tr("Loss (%)"),
            "delay_ms": self.tr("Delay (ms)"),
            "jitter_ms": self.tr("Jitter ± (ms)"),
            "reorder": self.tr("Reorder (%)"),
            "duplicate": self.tr("Duplicate (%)"),
        }
        for name, label in self.labels.items():
            label.setText(words[name])
        self.seed_label.setText(self.tr("Seed"))
        self.new_seed_button.setText(self.tr("New seed"))
        self.new_seed_button.setToolTip(
            self.tr("Draw another seed: the link makes other random choices")
        )
        self.seed.setToolTip(
            self.tr("The same seed makes the same random choices: the same packets lost again")
        )
        if self._used_seed is None:
            self.used.hide()
        else:
            self.used.setText(
                self.tr("The run on screen had seed {seed}.").format(seed=self._used_seed)
            )
            self.used.show()
        self.apply_button.setText(self.tr("Apply and restart"))
        self.own_button.setText(self.tr("The lesson's own link"))
        if self._two_hosts:
            self.note.setText(
                self.tr(
                    "Applies to this lesson's next run: applying restarts it (so does Reset). "
                    "The lesson's own exact rules, such as dropping the first SYN, stay."
                )
            )
        else:
            self.note.setText(
                self.tr(
                    "This lesson runs on one host: there is no link to change. The two-host "
                    "lessons (udp-reorder, tcp-retransmit, tcp-syn-retry…) have one."
                )
            )


def _seed_of(header: dict[str, Any] | None) -> int | None:
    """The seed in a trace header's link (``network.link.seed``), if it has a link."""
    network = (header or {}).get("network")
    link = network.get("link") if isinstance(network, dict) else None
    seed = link.get("seed") if isinstance(link, dict) else None
    return seed if isinstance(seed, int) and not isinstance(seed, bool) else None
