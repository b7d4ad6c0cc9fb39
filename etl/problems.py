"""Problems are values: what is wrong with an input, where, and what to do about it.

Every message comes from MESSAGES below (one table of Vietnamese templates), keyed by a
stable slug. Errors refuse a file; warnings are shown but the file still loads.
"""
from __future__ import annotations

import os
import re
import string
from dataclasses import asdict, dataclass
from functools import lru_cache

ERROR = "error"
WARNING = "warning"

# code: (severity, message template, hint template). Templates use str.format fields.
MESSAGES: dict[str, tuple[str, str, str]] = {
    # files
    "file_unreadable": (ERROR, "Không đọc được tệp: {detail}.",
                        "Mở tệp bằng Excel hoặc LibreOffice, chọn Lưu thành (Save As) định dạng .xlsx rồi tải lại."),
    "file_not_xlsx": (ERROR, "Tệp không phải bảng tính .xlsx, .xls, .ods hoặc văn bản Word .docx ({detail}).",
                      "Chỉ nhận bảng tính .xlsx, .xls, .ods và văn bản Word .docx. Nếu là tệp .pdf hoặc .doc, "
                      "hãy mở bằng Word và lưu thành .docx (hoặc chép bảng số liệu sang Excel, lưu dạng .xlsx)."),
    "file_too_large": (ERROR, "Tệp quá lớn ({detail}).",
                       "Xóa các trang tính, hình ảnh không cần thiết hoặc chia nhỏ tệp rồi tải lại."),
    "file_zip_bomb": (ERROR, "Tệp có nội dung nén bất thường ({detail}), không thể mở an toàn.",
                      "Lưu lại tệp từ Excel; nếu vẫn lỗi, hãy liên hệ quản trị viên."),
    "file_doctype": (ERROR, "Tệp có khai báo DOCTYPE/ENTITY trong thành phần {part}: tệp Excel và Word không dùng "
                            "khai báo này, và nó có thể bị lợi dụng để đọc tệp trên máy chủ.",
                     "Mở tệp bằng Excel (văn bản: bằng Word), chọn Lưu thành (Save As) kiểu Sổ làm việc Excel "
                     "(.xlsx) (văn bản: Tài liệu Word (.docx)) rồi tải tệp mới lên; nếu tệp do phần mềm khác xuất "
                     "ra, hãy báo quản trị viên."),
    "file_has_macros": (ERROR, "Tệp có chứa macro ({detail}); hệ thống không nhận tệp có macro vì tệp gốc được lưu "
                               "lại và người khác có thể tải về.",
                        "Trong Excel chọn Lưu thành (Save As) kiểu \"Sổ làm việc Excel (*.xlsx)\" (không có macro), "
                        "đồng ý bỏ macro khi được hỏi, rồi tải tệp .xlsx đó lên."),
    "too_many_sheets": (ERROR, "Tệp có {count} trang tính, vượt giới hạn {limit} trang tính cho mỗi tệp.",
                        "Xóa các trang tính không cần thiết hoặc tách thành nhiều tệp, mỗi tệp tối đa {limit} "
                        "trang tính."),
    "too_many_shared_strings": (ERROR, "Bảng chuỗi văn bản dùng chung của tệp ({detail}) vượt giới hạn {limit}.",
                                "Một biểu số liệu chỉ cần vài nghìn chuỗi chữ: sao chép bảng số liệu sang một tệp "
                                "Excel mới (hoặc xóa các trang tính, ghi chú không cần thiết), lưu lại rồi tải lên."),
    "too_many_files": (ERROR, "Đã chọn {count} tệp trong một lần nạp, vượt giới hạn {limit} tệp mỗi lần.",
                       "Nạp tối đa {limit} tệp mỗi lần: bỏ bớt tệp rồi nạp các tệp còn lại ở lần sau (quản trị "
                       "viên có thể đổi giới hạn bằng DVK_UPLOAD_MAX_FILES)."),
    # the worker process that parses a file (etl.reading.sandbox)
    "parse_cpu_limit": (ERROR, "Đọc tệp cần quá nhiều thời gian xử lý (vượt giới hạn {limit} giây CPU cho mỗi tệp) "
                               "nên đã dừng.",
                        "Tệp có thể chứa quá nhiều trang tính, dòng, ô gộp hoặc ô chữ rất dài: xóa phần không cần "
                        "thiết hoặc chia nhỏ tệp rồi tải lại. Nếu tệp thật sự cần lớn như vậy, nhờ quản trị viên "
                        "tăng DVK_PARSE_CPU_SECONDS."),
    "parse_memory_limit": (ERROR, "Đọc tệp cần quá nhiều bộ nhớ (vượt giới hạn {limit} cho mỗi tệp) nên đã dừng.",
                           "Xóa các trang tính, dòng, hình ảnh không cần thiết hoặc chia nhỏ tệp rồi tải lại. Nếu "
                           "tệp thật sự cần lớn như vậy, nhờ quản trị viên tăng DVK_PARSE_MEMORY_MB."),
    "parse_timeout": (ERROR, "Đọc tệp quá lâu (quá giới hạn {limit} giây cho mỗi tệp) nên đã dừng.",
                      "Máy chủ có thể đang bận: thử lại sau ít phút. Nếu vẫn lỗi, chia nhỏ tệp hoặc nhờ quản trị "
                      "viên tăng DVK_PARSE_WALL_SECONDS."),
    "parse_crashed": (ERROR, "Tiến trình đọc tệp dừng bất thường ({detail}).",
                      "Mở tệp bằng Excel, chọn Lưu thành (Save As) .xlsx rồi tải lại; nếu vẫn lỗi, gửi tệp cho "
                      "quản trị viên."),
    "no_table_found": (ERROR, "Không tìm thấy bảng số liệu trong tệp.",
                       "Bảng cần có dòng tiêu đề với cột tên đơn vị và các cột chỉ tiêu (ví dụ: Số hội nghị, "
                       "Lượt người tham dự), hoặc dạng biểu mẫu Nội dung | Đơn vị tính | Số lượng. "
                       "Có thể tải biểu mẫu chuẩn trên trang Tải lên."),
    "sheet_unreadable": (ERROR, "Trang tính {sheet} có số liệu nhưng không nhận ra bảng (không thấy dòng tiêu đề "
                                "có cột đơn vị và cột chỉ tiêu).",
                         "Thêm dòng tiêu đề theo biểu mẫu cho trang này, hoặc xóa/ẩn trang nếu không cần nạp: "
                         "mọi trang tính đang hiện đều được đọc."),
    "cross_sheet_conflict": (ERROR, "{unit} · {indicator} ({period}): trang {sheet} ghi {value} (ô {cell}) nhưng "
                                    "trang {other_sheet} ghi {other_value} (ô {other_cell}).",
                             "Sửa cho hai trang khớp nhau, hoặc xóa số liệu ở trang không đúng."),
    "cross_sheet_repeat": (WARNING, "Trang {sheet} lặp lại {count} giá trị đã có ở trang {other_sheet} (cùng đơn vị, "
                                    "kỳ và chỉ tiêu, cùng số).",
                           "Mỗi giá trị chỉ được nạp một lần; không cần sửa gì."),
    # written reports (.docx): figures in sentences are proposed, loaded only once confirmed
    "document_no_figures": (ERROR, "Văn bản không có bảng số liệu và không có câu nào nêu số liệu của các chỉ tiêu.",
                            "Báo cáo cần có biểu số liệu (bảng) hoặc các câu như “tổ chức 50 hội nghị với 4.819 "
                            "lượt người tham dự”; hoặc tải biểu mẫu chuẩn trên trang Tải lên để điền."),
    "text_figures_need_confirmation": (ERROR, "Văn bản chỉ có số liệu trong câu ({count} số liệu): số liệu trong "
                                              "câu chỉ được nạp khi người nạp xác nhận từng số.",
                                       "Trên trang Tải lên, đánh dấu các số liệu đúng rồi bấm “Xác nhận nạp”; ở dòng "
                                       "lệnh, xem bằng --dry-run --json rồi nạp bằng --accept-text-figures."),
    "text_figures_pending": (WARNING, "{count} số liệu trong câu chưa được xác nhận nên không được nạp (chỉ nạp "
                                      "số liệu trong bảng).",
                             "Nếu các số liệu đó đúng, đánh dấu chúng trên trang Tải lên (ở dòng lệnh: "
                             "--accept-text-figures) rồi nạp lại."),
    "text_figures_no_unit": (ERROR, "Văn bản không ghi đơn vị báo cáo nào có trong danh mục (có thể là báo cáo của "
                                    "cụm hoặc của tỉnh): {count} số liệu trong câu chỉ được liệt kê, không nạp được.",
                             "Số liệu được nạp theo từng đơn vị. Nếu đây là báo cáo của một đơn vị, ghi tên đơn vị ở "
                             "dòng đầu văn bản (ví dụ “BAN DÂN VẬN HUYỆN ỦY YÊN ĐỊNH”) rồi tải lại; báo cáo của cụm "
                             "thì nạp biểu số liệu của từng đơn vị."),
    "text_figures_conflict": (ERROR, "{indicator}: hai câu ghi hai số khác nhau: {value} (“{quote}”, {where}) và "
                                     "{other_value} (“{other_quote}”, {other_where}).",
                              "Chỉ đánh dấu số đúng trong hai số trên trang Tải lên (--accept-text-figures nhận mọi "
                              "số nên không dùng được khi có mâu thuẫn), hoặc sửa văn bản cho thống nhất."),
    "text_figure_table_conflict": (ERROR, "{indicator}: bảng ghi {table_value} (ô {table_cell}) nhưng câu “{quote}” "
                                          "({where}) ghi {value}.",
                                   "Bỏ đánh dấu số trong câu (số trong bảng được nạp), hoặc sửa bảng hay câu cho "
                                   "khớp nhau rồi tải lại."),
    "no_data_rows": (ERROR, "Trang tính {sheet} không có dòng số liệu nào của đơn vị.",
                     "Kiểm tra lại tệp: mỗi đơn vị một dòng, bên dưới dòng tiêu đề."),
    # period
    "period_missing": (ERROR, "Không xác định được kỳ báo cáo.",
                       "Ghi kỳ ở dòng tiêu đề (ví dụ: \"QUÝ II NĂM 2024\") hoặc chọn kỳ khi nạp."),
    "period_conflict": (ERROR, "Kỳ trong tiêu đề ({found}) khác kỳ đã chọn ({given}).",
                        "Sửa dòng tiêu đề hoặc chọn đúng kỳ {found} khi nạp."),
    "period_unsupported": (ERROR, "Tiêu đề \"{found}\" ghi một khoảng thời gian không phải kỳ báo cáo.",
                           "Số liệu được nạp theo quý, 6 tháng đầu năm, 9 tháng, 6 tháng cuối năm hoặc cả năm: "
                           "sửa dòng tiêu đề (ví dụ \"6 THÁNG ĐẦU NĂM 2024\") hoặc chọn kỳ khi nạp."),
    "period_in_future": (ERROR, "Kỳ {found} chưa kết thúc.", "Kiểm tra lại năm và quý trong tiêu đề."),
    # headers
    "unknown_column": (ERROR, "Cột \"{header}\" có số liệu nhưng không khớp chỉ tiêu nào.",
                       "Chọn chỉ tiêu cho cột này trên trang Tải lên (hoặc --map \"{header}=mã_chỉ_tiêu\" ở dòng "
                       "lệnh; --map \"{header}=\" để bỏ qua cột): lựa chọn được ghi nhớ làm tên gọi khác (alias) "
                       "cho các lần nạp sau."),
    "uncertain_column": (ERROR, "Chưa chắc cột \"{header}\" là chỉ tiêu nào: có thể là {candidates}.",
                         "Chọn chỉ tiêu đúng cho cột này trên trang Tải lên (hoặc --map \"{header}=mã_chỉ_tiêu\" "
                         "ở dòng lệnh), hoặc đổi tên cột cho rõ."),
    "uncertain_indicator": (ERROR, "Chưa chắc dòng \"{header}\" là chỉ tiêu nào: có thể là {candidates}.",
                            "Chọn chỉ tiêu đúng cho dòng này trên trang Tải lên (hoặc --map \"{header}=mã_chỉ_tiêu\" "
                            "ở dòng lệnh), hoặc sửa nội dung dòng cho rõ."),
    "duplicate_column": (ERROR, "Hai cột cùng là chỉ tiêu \"{indicator}\" ({detail}).",
                         "Giữ lại một cột cho mỗi chỉ tiêu."),
    "unknown_indicator": (ERROR, "Dòng \"{header}\" có số liệu nhưng không khớp chỉ tiêu nào.",
                          "Chọn chỉ tiêu cho dòng này trên trang Tải lên (hoặc --map \"{header}=mã_chỉ_tiêu\" ở "
                          "dòng lệnh; --map \"{header}=\" để bỏ qua), hoặc sửa nội dung dòng theo biểu mẫu."),
    "duplicate_indicator": (ERROR, "Chỉ tiêu \"{indicator}\" được ghi hai lần ({detail}).",
                            "Giữ lại một dòng cho mỗi chỉ tiêu."),
    "too_many_rows": (ERROR, "Trang tính {sheet} có quá nhiều dòng (hơn {limit} dòng).",
                      "Xóa các dòng thừa bên dưới bảng (kể cả dòng trống đã định dạng) rồi lưu lại."),
    "no_unit_column": (ERROR, "Không tìm thấy cột tên đơn vị.",
                       "Đặt tiêu đề cột là \"Đơn vị\" (hoặc \"Tên đơn vị\", \"Huyện, thị xã, thành phố\")."),
    # units
    "unknown_unit": (ERROR, "Không nhận ra đơn vị \"{unit}\".",
                     "Sửa tên theo danh mục; gần nhất là: {closest}."),
    "unit_not_active": (ERROR, "Đơn vị \"{unit}\" không còn tồn tại trong kỳ {period}.",
                        "{detail}"),
    "district_after_reorganisation": (ERROR, "\"{unit}\" là đơn vị cấp huyện; kỳ {period} không còn cấp huyện.",
                                      "Cấp huyện kết thúc hoạt động từ 01/7/2025: từ Quý III/2025, số liệu "
                                      "báo cáo theo xã, phường (ví dụ: {closest})."),
    "duplicate_unit": (ERROR, "Đơn vị \"{unit}\" xuất hiện hai lần (dòng {first_row} và dòng {row}).",
                       "Gộp hoặc xóa một trong hai dòng."),
    "unit_out_of_scope": (ERROR, "Tài khoản của bạn không được nạp số liệu cho \"{unit}\".",
                          "Chỉ nạp số liệu của đơn vị được giao ({detail}); xóa dòng này hoặc nhờ người phụ trách nạp."),
    "unit_kind_mismatch": (ERROR, "Không nhận ra đơn vị \"{unit}\": tên ghi là {kind}, nhưng danh mục chỉ có "
                                  "{closest}.",
                           "Nếu đây là số liệu của {closest}, hãy sửa tên thành \"{closest}\"; nếu là đơn vị khác, "
                           "hãy xóa dòng này hoặc nhờ quản trị viên bổ sung danh mục."),
    "ambiguous_unit": (ERROR, "Tên \"{unit}\" khớp với nhiều đơn vị ({closest}).",
                       "Ghi rõ loại đơn vị, ví dụ \"Xã …\" hay \"Phường …\"."),
    "form_unit_missing": (ERROR, "Biểu mẫu không ghi tên đơn vị báo cáo.",
                          "Ghi tên đơn vị ở dòng tiêu đề (ví dụ: \"BAN DÂN VẬN HUYỆN ỦY YÊN ĐỊNH\")."),
    # unit lineage (data/unit_lineage.csv)
    "lineage_unknown_code": (ERROR, "Dòng {row}: mã đơn vị \"{unit_code}\" (cột {field}) không có trong danh mục đơn vị.",
                             "Sửa mã theo cột code của data/units.csv, hoặc thêm đơn vị đó vào danh mục."),
    "lineage_self": (ERROR, "Dòng {row}: đơn vị \"{unit_code}\" được ghi là kế thừa chính nó.",
                     "Cột successor_code phải là mã của đơn vị kế thừa, khác cột former_code."),
    "lineage_duplicate": (ERROR, "Dòng {row}: cặp {former} → {successor} đã có ở dòng {first_row}.",
                          "Xóa một trong hai dòng."),
    "lineage_former_still_active": (ERROR, "Dòng {row}: \"{unit}\" vẫn còn hoạt động (chưa có ngày kết thúc) "
                                           "nên không thể có đơn vị kế thừa.",
                                    "Ghi ngày kết thúc (valid_to) của đơn vị trong data/units.csv, hoặc xóa dòng này."),
    "lineage_successor_not_active": (ERROR, "Dòng {row}: \"{successor}\" không tồn tại vào ngày {day}, khi \"{unit}\" "
                                            "kết thúc hoạt động.",
                                     "Kiểm tra mã đơn vị kế thừa và ngày bắt đầu (valid_from) trong data/units.csv."),
    "lineage_former_unmapped": (ERROR, "\"{unit}\" (mã {unit_code}) kết thúc hoạt động ngày {day} nhưng chưa có đơn vị kế thừa.",
                                "Thêm ít nhất một dòng {unit_code},<mã đơn vị kế thừa> vào data/unit_lineage.csv."),
    "lineage_no_predecessor": (WARNING, "\"{unit}\" (mã {unit_code}) chưa có đơn vị tiền thân trong data/unit_lineage.csv.",
                               "Thêm dòng <mã đơn vị cũ>,{unit_code}; nếu không, cụm của đơn vị này phải ghi trực tiếp "
                               "trong data/units.csv."),
    # cells
    "not_a_number": (ERROR, "Ô {cell} ghi \"{text}\", không phải một số.",
                     "Ghi số nguyên (ví dụ 12); để trống hoặc ghi \"-\" nếu không có số liệu."),
    "negative_number": (ERROR, "Ô {cell} ghi số âm ({text}).", "Số lượng không thể âm: sửa lại số đúng."),
    "decimal_count": (ERROR, "Ô {cell} ghi số thập phân ({text}) cho một chỉ tiêu đếm.",
                      "Ghi số nguyên. Nếu ý là hàng nghìn (ví dụ 4.819), gõ 4819 hoặc định dạng ô là Văn bản."),
    "ambiguous_separator": (ERROR, "Ô {cell} ghi \"{text}\": dấu phẩy là dấu thập phân.",
                            "Ghi số nguyên không có dấu phẩy, ví dụ 4819 hoặc 4.819."),
    "qualified_number": (ERROR, "Ô {cell} ghi \"{text}\", không phải một số chính xác.",
                         "Ghi số chính xác (ví dụ 48), không kèm \"gần\", \"hơn\", \"trên\"."),
    "ratio_in_cell": (ERROR, "Ô {cell} ghi \"{text}\" (hai số trong một ô).",
                      "Tách thành hai cột: mô hình đăng ký và mô hình được công nhận."),
    "formula_without_value": (ERROR, "Ô {cell} là công thức chưa có kết quả được lưu.",
                              "Mở tệp bằng Excel hoặc LibreOffice, để bảng tính tự tính rồi Lưu lại trước khi tải lên."),
    "cell_error_value": (ERROR, "Ô {cell} có lỗi công thức ({text}).", "Sửa công thức trong Excel rồi lưu lại."),
    "date_in_cell": (ERROR, "Ô {cell} ghi \"{text}\": Excel đã tự đổi số liệu gõ vào thành ngày tháng.",
                     "Định dạng ô là Number (Số) hoặc Text (Văn bản) rồi gõ lại số lượng (ví dụ 12)."),
    "merged_across_units": (ERROR, "Ô {cell} được gộp qua nhiều đơn vị ({detail}).",
                            "Bỏ gộp ô (Unmerge Cells / Hủy hợp nhất ô) rồi ghi số liệu riêng cho từng đơn vị; "
                            "ô gộp chỉ giữ số của dòng đầu, các dòng còn lại bị bỏ trống."),
    "hidden_row": (WARNING, "Dòng {row} ({unit}) đang bị ẩn nhưng vẫn được nạp.",
                   "Bỏ ẩn dòng (chọn các dòng, chuột phải → Unhide / Bỏ ẩn) để kiểm tra số liệu; "
                   "nếu không muốn nạp đơn vị này, hãy xóa dòng."),
    "second_table": (ERROR, "Có bảng số liệu thứ hai bắt đầu ở dòng {row}, bên dưới dòng tổng cộng (dòng {total_row}).",
                     "Mỗi tệp chỉ nạp một bảng, kết thúc ở dòng tổng cộng: tách bảng thứ hai thành tệp riêng "
                     "hoặc xóa các dòng từ dòng {row} trở xuống."),
    # cumulative reports against the quarters inside them
    "cumulative_negative": (ERROR, "{unit}, {indicator}: {period} tính ra {value} ({formula}), là số âm.",
                            "Số lũy kế không thể nhỏ hơn số của các kỳ bên trong nó. Kiểm tra lại ô {cell} "
                            "và các số đã nạp ({sources}); nếu số đã nạp sai, hoàn tác lô đó ở trang Lịch sử nạp."),
    "cumulative_mismatch": (WARNING, "{unit}, {indicator}: {period} ghi {stated}, nhưng {parts} cộng lại "
                                     "được {computed}.",
                            "Khi xem {period}, hệ thống dùng số báo cáo đúng kỳ ({stated}). Kiểm tra lại để hai "
                            "báo cáo khớp nhau ({sources})."),
    # rules
    "recognized_exceeds_registered": (ERROR, "{unit}: mô hình được công nhận ({recognized}) nhiều hơn số đăng ký ({registered}).",
                                      "Kiểm tra lại {cells}."),
    "participants_without_conference": (ERROR, "{unit}: có {participants} lượt người tham dự nhưng không có hội nghị nào.",
                                        "Ghi số hội nghị {where}, hoặc sửa số lượt người ở ô {cell}."),
    "training_participants_without_training": (ERROR, "{unit}: có {participants} lượt người tập huấn nhưng không có hội nghị tập huấn nào.",
                                               "Ghi số hội nghị tập huấn {where}, hoặc sửa ô {cell}."),
    "total_mismatch": (WARNING, "Dòng tổng cộng ghi {indicator} = {stated}, nhưng cộng các đơn vị được {computed}.",
                       "Dòng tổng không được nạp (hệ thống tự cộng từ các đơn vị); hãy kiểm tra lại ô {cell} "
                       "và số liệu các đơn vị."),
    "blank_unit_row": (WARNING, "Dòng {row} có số liệu nhưng không có tên đơn vị, nên bị bỏ qua.",
                       "Ghi tên đơn vị vào dòng này nếu đó là số liệu cần nạp."),
    "unit_no_values": (WARNING, "{unit}: không có số liệu nào (toàn ô trống hoặc \"-\").",
                       "Đơn vị này sẽ được coi là chưa báo cáo kỳ này."),
    "too_many_problems": (ERROR, "Tệp có quá nhiều lỗi; chỉ hiển thị {shown} lỗi đầu tiên.",
                          "Sửa các lỗi trên rồi tải lại để xem các lỗi còn lại."),
}


@dataclass(frozen=True)
class Problem:
    file: str
    sheet: str
    cell: str
    row: int | None
    column: str
    code: str
    severity: str
    message: str
    hint: str

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


# Tests set this: a template field nobody supplied, or supplied blank, is then a bug that raises
# (in production it renders empty: a message is never worth a crash).
STRICT_ENV = "DVK_STRICT_PROBLEMS"


class _Blank(dict):
    def __missing__(self, key):  # a template field nobody supplied renders as empty, never raises
        return ""


@lru_cache(maxsize=None)
def template_fields(code: str) -> frozenset[str]:
    """The {fields} the message and hint of `code` use."""
    _, message, hint = MESSAGES[code]
    return frozenset(name for text in (message, hint) for _, name, _, _ in string.Formatter().parse(text) if name)


def _check_fields(code: str, values: dict) -> None:
    blank = sorted(f for f in template_fields(code) if values.get(f) in (None, ""))
    if blank:
        raise ValueError(f"problem {code!r}: template fields {blank} not supplied or blank")


def problem(code: str, *, file: str = "", sheet: str = "", cell: str = "", row: int | None = None,
            column: str = "", **fields) -> Problem:
    """Build a Problem from the MESSAGES table; `fields` fill the templates."""
    severity, message, hint = MESSAGES[code]
    values = _Blank(cell=cell, row=row or "", sheet=sheet, file=file, **fields)
    if os.environ.get(STRICT_ENV):
        _check_fields(code, values)
    return Problem(file=file, sheet=sheet, cell=cell, row=row, column=column, code=code,
                   severity=severity, message=message.format_map(values), hint=hint.format_map(values))


def has_errors(problems) -> bool:
    return any(p.is_error for p in problems)


_COLUMN = re.compile(r"^([A-Z]{1,3})[0-9]")


def _column_number(cell: str) -> int:
    """'D7' -> 4, 'AA3' -> 27; '' -> 0 (cells sort left to right as on the sheet)."""
    m = _COLUMN.match(cell or "")
    n = 0
    for ch in m.group(1) if m else "":
        n = n * 26 + ord(ch) - 64
    return n


def sort_problems(problems) -> list[Problem]:
    """Errors first, then as they stand on the sheet: by sheet, row, then column."""
    return sorted(problems, key=lambda p: (p.severity != ERROR, p.sheet, p.row or 0,
                                           _column_number(p.cell), p.column))
