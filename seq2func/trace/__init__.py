"""Inputs that only a run knows: `seq2func trace` records them, `lookup` reads them.

`seq2func trace -- COMMAND` runs a program and records, for every
`Sequential` it builds, where the model was constructed and the input it was
built with, into a SQLite store (SPEC §9). The converter and verification
read that store through `seq2func.trace.lookup.TraceIndex`.

Two halves with different rules:

- The recording half (`hooks`, `recorder`, `keras_patches`, `describe`,
  `cells`, `keys`, `store`, `startup`) runs inside the user's program, in
  every Python process the command starts. It uses the standard library only
  and imports its siblings relatively, because each traced process loads this
  folder under a private name (`_seq2func_trace`, see `startup.py`) whatever
  Python runs it and whatever `seq2func` that Python could import. This file
  therefore imports nothing.
- The reading half (`lookup` with `found`, `builds` and `texts`; `listing`,
  `run`) runs in seq2func's own process and may use the rest of the package.
"""
