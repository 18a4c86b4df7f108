"""The wire: the real packets of a run, captured on its own network and decoded.

Capture needs CAP_NET_RAW, which a run has inside its private network (engine/netns.py) and
nowhere else without root. Facts: shared/WIRE.md.
"""

from .capture import CaptureRing, CaptureStats
from .decode import Packet, decode_frame

__all__ = ["CaptureRing", "CaptureStats", "Packet", "decode_frame"]
