"""File formats shared by both front ends (``safetensors_io``: arrays in safetensors files).

Nothing here pickles or executes anything read from a file.
"""
