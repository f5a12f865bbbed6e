"""The start-up floor of issue 13: a script that imports typer and defines one pydantic model.

``python benchmarks/floor_pydantic.py`` — compare.py times the piped example next to it: typer
loads pydantic for its own option parsing, so no typer CLI with a pydantic contract starts
faster than this.
"""

from __future__ import annotations

import typer  # noqa: F401
from pydantic import BaseModel


class Row(BaseModel):
    token: str
    params: int


print(Row(token="conv3x32", params=320).model_dump_json())
