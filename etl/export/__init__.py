"""Giao ban outputs for one period and scope: PPTX deck (pptx, pptx_parts, fitting, charts), DOCX report
(docx), XLSX biểu tổng hợp (xlsx), from the figures gathered once (scope) and written by outputs:

    outputs.export(engine, "2024-H1", "cluster:dong-bang", pptx="deck.pptx", docx="report.docx")
    data = scope.gather(engine, scope.report_selection(engine, period, "unit:394"))   # the figures alone

Targets are paths or writable binary file objects.
"""
