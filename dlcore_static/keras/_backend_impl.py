"""The hand-written part of ``keras.backend`` (see ``backend.py``)."""
