"""Reading what units send: safety -> workbook/sheet (xlsx, xls, ods, docx) -> layouts -> headers/units/periods matching -> numbers -> validate. Pure: no database."""
