"""Display values shared by the web pages and the PDF report: numbers as printed, labels, chart geometry."""
