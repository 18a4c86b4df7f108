"""The Qt views. Everything here renders (trace, cursor); no socket call is ever made here."""
