"""(Being written: the desk's finance pages, issue #18.)"""

from __future__ import annotations

from fastapi import APIRouter

from web.session import PREFIX

router = APIRouter(prefix=f"{PREFIX}/finance", include_in_schema=False)
