"""The PDF recommendation report: its content built from a result (context), its HTML (render), its PDF (pdf, pool)."""
