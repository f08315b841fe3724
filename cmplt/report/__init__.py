"""`cmplt report`: the statistics of a period (统计分析).

- `figures`: every figure, computed from the records as they stood at the
  report's moment (values only; nothing here knows of click or a language);
- `formats`: the figures as tables, then as Markdown, CSV and JSON;
- `html`: the same tables as one self-contained HTML page, with `charts`
  (inline SVG drawn from the figures).
"""
