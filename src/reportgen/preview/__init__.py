"""Previews: LibreOffice renders .docx to PDF with free look-alike fonts; poppler turns PDF into PNG."""
