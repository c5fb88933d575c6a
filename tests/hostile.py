"""One list of hostile strings, pushed through every text field a person or a statement file can fill (#20).

Each is something an attacker, a careless paste or a bank's export has produced somewhere: Markdown images and
links, HTML and script, `javascript:` and `data:` URLs, spreadsheet formulas, forged log lines, terminal escapes,
control, bidi and zero-width characters, rich's console markup, and sheer length.
"""

from __future__ import annotations

HOSTILE: list[str] = [
    "![t](http://127.0.0.1:9/track.png)[点我](javascript:alert(3))科技有限公司",
    "<img src=x onerror=alert(1)>华信有限公司",
    "<script>alert(document.cookie)</script>",
    '"><svg onload=alert(1)>',
    "[点我](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<a href='javascript:alert(1)'>点我</a>",
    "www.evil.example 和 https://evil.example/登录",
    "&lt;b&gt;实体&lt;/b&gt; &#x3C;i&#x3E;",
    "**粗体** _斜体_ `代码` # 标题 > 引用",
    "=HYPERLINK(\"http://evil.example\",\"点我\")",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "正常备注\n2026-11-30 12:00:00,000 INFO orderflow.api.access: GET /admin 200",
    "回车\r伪造",
    "\x1b[2J\x1b[31m终端\x1b[0m",
    "\x1b]8;;http://evil.example\x1b\\链接\x1b]8;;\x1b\\",
    "[link=https://evil.example]点我[/link] [/] [bold red]红",
    ":warning: :smile:",
    "华信\u202e司公限有\u202c",
    "华\u200b信\u200d电\ufeff机",
    "\u2066隔离\u2069",
    "空\x00字节",
    "行\u2028分隔\u2029段",
    "x" * 10_000,
]

# The hostile strings that are not themselves markup, only too long: used where a length check is the point.
LONG = HOSTILE[-1]
