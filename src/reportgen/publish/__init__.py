"""Publication formats beside the .docx: a PDF through LibreOffice, one HTML page for the government website."""
