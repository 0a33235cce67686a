"""Scanned-page fixtures for the OCR eval and tests: Vietnamese report pages drawn with Pillow.

``PAGES`` are pages of two made-up provincial meeting reports (the first spans pages 1-3, the
second pages 4-6), written for this purpose so that the source text is known exactly. ``render``
draws one page as a 300 dpi A4 greyscale image with a Debian TrueType font; ``degrade`` turns it
into the conditions a scan or a phone photo of a page brings: a slight rotation, noise, or blur
with uneven lighting, perspective and JPEG compression. Everything is seeded, so a run is
repeatable. Left out: handwriting, tables drawn with rules, two-column layouts, stamps.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

DPI = 300
A4 = (2480, 3508)  # pixels at 300 dpi
FONT_DIRS = (Path("/usr/share/fonts/truetype/liberation2"), Path("/usr/share/fonts/truetype/dejavu"))
# (file, size in points): Times-like serif as most official reports are typed, and a sans.
FONTS = (("LiberationSerif-Regular.ttf", 13), ("DejaVuSans.ttf", 11))
CONDITIONS = ("clean", "rotated", "noisy", "photo")

PAGES: tuple[str, ...] = (
    # report 1, page 1
    """Công an tỉnh tổ chức Hội nghị sơ kết công tác 6 tháng đầu năm 2024

Sáng 3/6, Công an tỉnh tổ chức Hội nghị sơ kết công tác công an 6 tháng đầu năm, triển khai nhiệm vụ 6 tháng cuối năm 2024. Đại tá Nguyễn Văn An, Giám đốc Công an tỉnh chủ trì Hội nghị. Dự Hội nghị có đồng chí Lê Thị Mai Hương, Phó Chủ tịch UBND tỉnh; các đồng chí trong Ban Giám đốc và lãnh đạo 27 phòng nghiệp vụ, Công an 11 huyện, thị xã, thành phố.

Báo cáo tại Hội nghị, Thượng tá Phạm Quốc Bảo, Phó Giám đốc Công an tỉnh cho biết trong 6 tháng qua, tình hình an ninh chính trị trên địa bàn cơ bản ổn định. Lực lượng Công an đã chủ động nắm tình hình, kịp thời tham mưu cho cấp ủy, chính quyền giải quyết 14 vụ việc phức tạp về khiếu kiện đất đai, không để hình thành điểm nóng.""",
    # report 1, page 2
    """Về phòng, chống tội phạm, toàn lực lượng đã phát hiện 1.245 vụ phạm pháp hình sự, giảm 7,3% so với cùng kỳ năm 2023; tỷ lệ điều tra, khám phá đạt 89,6%. Lực lượng chức năng triệt phá 38 ổ nhóm tội phạm, bắt giữ 312 đối tượng, thu giữ 4,7 kg ma túy tổng hợp và 2.150 viên hồng phiến.

Công tác bảo đảm trật tự an toàn giao thông có chuyển biến tích cực: xảy ra 96 vụ tai nạn, làm chết 41 người, bị thương 73 người; so với cùng kỳ giảm 12 vụ, giảm 9 người chết. Lực lượng Cảnh sát giao thông đã lập biên bản 18.430 trường hợp vi phạm, phạt tiền hơn 26,8 tỷ đồng, tạm giữ 2.317 phương tiện.

Về thực hiện Đề án 06, Công an tỉnh đã thu nhận 512.600 hồ sơ cấp thẻ căn cước và kích hoạt 438.900 tài khoản định danh điện tử mức độ 2, đạt 94% chỉ tiêu được giao.""",
    # report 1, page 3
    """Phát biểu chỉ đạo, đồng chí Lê Thị Mai Hương, Phó Chủ tịch UBND tỉnh đề nghị Công an tỉnh tiếp tục phối hợp với Sở Thông tin và Truyền thông phòng, chống lừa đảo qua mạng. Trong 6 tháng, toàn tỉnh có 57 vụ lừa đảo chiếm đoạt tài sản qua mạng, thiệt hại khoảng 19 tỷ đồng.

Kết luận Hội nghị, Đại tá Nguyễn Văn An yêu cầu toàn lực lượng tập trung thực hiện các nhiệm vụ trọng tâm sau:
- mở đợt cao điểm tấn công, trấn áp tội phạm từ ngày 15/6 đến ngày 15/9/2024;
- hoàn thành làm sạch dữ liệu dân cư trước ngày 30/8/2024;
- kiểm tra 100% cơ sở kinh doanh karaoke, vũ trường trên địa bàn;
- Phòng Tham mưu xây dựng kế hoạch, trình Ban Giám đốc trước ngày 10/6/2024.

Dịp này, Công an tỉnh trao Giấy khen cho 9 tập thể và 21 cá nhân có thành tích xuất sắc.

Phòng Tham mưu Công an tỉnh""",
    # report 2, page 4
    """Ban Chỉ huy phòng, chống thiên tai tỉnh họp triển khai nhiệm vụ mùa mưa bão năm 2024

Chiều 12/7, Ban Chỉ huy phòng, chống thiên tai và tìm kiếm cứu nạn tỉnh họp triển khai nhiệm vụ mùa mưa bão năm 2024. Ông Trần Đức Thịnh, Phó Chủ tịch UBND tỉnh, Trưởng ban chủ trì cuộc họp.

Theo báo cáo của Sở Nông nghiệp và Phát triển nông thôn, toàn tỉnh hiện có 186 hồ chứa nước, trong đó 23 hồ xung yếu cần sửa chữa; 412 km đê sông và 57 km đê biển. Năm nay, dự báo có từ 10 đến 12 cơn bão và áp thấp nhiệt đới hoạt động trên Biển Đông, trong đó khoảng 4 cơn ảnh hưởng trực tiếp đến đất liền.

Bà Võ Thị Thanh Tâm, Giám đốc Sở Nông nghiệp và Phát triển nông thôn đề xuất bố trí 35 tỷ đồng để xử lý cấp bách 6 điểm sạt lở bờ sông trước ngày 31/8.""",
    # report 2, page 5
    """Đại diện Bộ Chỉ huy Quân sự tỉnh cho biết đã sẵn sàng 1.200 cán bộ, chiến sĩ, 48 xuồng máy và 16 xe chuyên dụng tham gia cứu hộ, cứu nạn. Ông Hoàng Minh Tuấn, Chủ tịch UBND huyện ven biển, kiến nghị hỗ trợ di dời 318 hộ dân ở vùng có nguy cơ sạt lở cao.

Kết luận cuộc họp, ông Trần Đức Thịnh yêu cầu các sở, ngành và địa phương:
1. kiểm tra, vận hành thử toàn bộ cống, trạm bơm trước ngày 25/7;
2. dự trữ đủ vật tư, lương thực theo phương châm "bốn tại chỗ";
3. hoàn thành phương án sơ tán dân trước ngày 15/8/2024.

Phó Chủ tịch UBND tỉnh giao Sở Tài chính tham mưu bố trí kinh phí 35 tỷ đồng cho các công trình cấp bách.""",
    # report 2, page 6
    """Cũng tại cuộc họp, Đài Khí tượng thủy văn tỉnh cho biết lượng mưa 6 tháng đầu năm thấp hơn trung bình nhiều năm khoảng 18%; mực nước các hồ lớn đạt từ 62% đến 75% dung tích thiết kế. Nguy cơ lũ quét, sạt lở đất tập trung ở 5 huyện miền núi với 74 điểm đã được cắm biển cảnh báo.

Ông Trần Đức Thịnh nhấn mạnh: "Không để bị động, bất ngờ; tuyệt đối không để người dân ở lại vùng nguy hiểm khi có bão". Các địa phương phải báo cáo tình hình về Văn phòng thường trực trước 16 giờ hằng ngày trong thời gian có thiên tai.

Văn phòng thường trực Ban Chỉ huy phòng, chống thiên tai tỉnh""",
)


# The heading of an official letter: two centred columns side by side. Read line by line across
# the page they interleave; the eval's "letterhead" pages check the page segmentation keeps them apart.
LETTERHEAD = ("UBND TỈNH QUẢNG NAM\nSỞ NÔNG NGHIỆP VÀ PTNT\nSố: 215/BC-SNN",
              "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nQuảng Nam, ngày 15 tháng 7 năm 2024")


def font_path(name: str) -> Path:
    for d in FONT_DIRS:
        if (d / name).exists():
            return d / name
    raise FileNotFoundError(f"font {name} not found (apt install fonts-dejavu-core fonts-liberation2)")


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Lines as a word processor would break them; an empty string for a paragraph gap."""
    lines: list[str] = []
    for para in text.split("\n"):
        if not para.strip():
            lines.append("")
            continue
        line = ""
        for word in para.split():
            cand = f"{line} {word}" if line else word
            if font.getlength(cand) <= width or not line:
                line = cand
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def _glyph(font: ImageFont.FreeTypeFont, ch: str) -> bytes:
    im = Image.new("L", (int(4 * font.size), int(4 * font.size)), 0)
    ImageDraw.Draw(im).text((font.size, font.size), ch, font=font, fill=255)
    return im.tobytes()


def render(text: str, font: tuple[str, int] = FONTS[0], page_no: int | None = None,
           letterhead: tuple[str, str] | None = None) -> Image.Image:
    """One A4 page at 300 dpi, greyscale, black text on white, 2.5 cm margins; ``letterhead``: two
    columns of heading lines (left, right) above the text, in a smaller size."""
    name, pt = font
    px = round(pt * DPI / 72)
    f = ImageFont.truetype(str(font_path(name)), px)
    if _glyph(f, "ễ") == _glyph(f, "\U000e0fff"):  # drawn as the box of an unassigned code point
        raise RuntimeError(f"font {name} has no Vietnamese letters (Debian: fonts-liberation2, not fonts-liberation)")
    img = Image.new("L", A4, 255)
    draw = ImageDraw.Draw(img)
    margin = round(2.5 / 2.54 * DPI)
    y = margin
    step = round(px * 1.45)
    if letterhead:
        small = ImageFont.truetype(str(font_path(name)), round(px * 0.85))
        col = (A4[0] - 2 * margin) // 2
        rows = 0
        for i, block in enumerate(letterhead):
            for j, line in enumerate(block.split("\n")):
                x = margin + i * col + (col - small.getlength(line)) / 2
                draw.text((x, y + j * step), line, font=small, fill=0)
                rows = max(rows, j + 1)
        y += (rows + 1) * step
    for line in _wrap(text, f, A4[0] - 2 * margin):
        if line:
            draw.text((margin, y), line, font=f, fill=0)
        y += step if line else step // 2
    if page_no is not None:  # the folio a real report carries; it is also OCR'd
        draw.text((A4[0] // 2, A4[1] - margin // 2), str(page_no), font=f, fill=0)
    return img


def degrade(img: Image.Image, condition: str, seed: int = 0) -> Image.Image:
    """``img`` as a scanner or phone would deliver it under ``condition`` (see ``CONDITIONS``)."""
    rng = np.random.default_rng(seed)
    if condition == "clean":
        return img
    if condition == "rotated":  # a sheet fed slightly askew
        return img.rotate(1.5, resample=Image.Resampling.BICUBIC, fillcolor=255)
    if condition == "noisy":  # a dirty glass and a worn toner: grain, specks and a slight tilt
        a = np.asarray(img.rotate(-0.7, resample=Image.Resampling.BICUBIC, fillcolor=255), dtype=np.float64)
        a = a + rng.normal(0, 40, a.shape)
        specks = rng.random(a.shape)
        a[specks < 0.004] = 0
        a[specks > 0.996] = 255
        return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.6))
    if condition == "photo":  # a phone photo: perspective, soft focus, a lamp on one side, JPEG
        w, h = img.size
        d = 0.015
        coeffs = _perspective([(0, 0), (w, 0), (w, h), (0, h)],
                              [(w * d, h * d * 0.5), (w * (1 - d * 0.4), 0), (w, h), (w * d * 0.3, h * (1 - d))])
        img = img.transform(img.size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC, fillcolor=255)
        img = img.filter(ImageFilter.GaussianBlur(1.3))
        a = np.asarray(img, dtype=np.float32)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        light = 1.0 - 0.4 * (xx / w) * (0.6 + 0.4 * yy / h)  # darker towards the far corner
        a = a * light + rng.normal(0, 6, a.shape)
        img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
        img = img.resize((w * 2 // 3, h * 2 // 3), Image.Resampling.LANCZOS)  # a phone gives ~200 dpi on A4
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=45)
        return Image.open(io.BytesIO(buf.getvalue()))
    raise ValueError(f"unknown condition {condition!r} (choose from {', '.join(CONDITIONS)})")


def _perspective(dst: list[tuple[float, float]], src: list[tuple[float, float]]) -> tuple[float, ...]:
    """The 8 coefficients PIL's PERSPECTIVE transform wants to map ``dst`` corners onto ``src``."""
    rows: list[list[float]] = []
    rhs: list[float] = []
    for (x, y), (u, v) in zip(dst, src):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.extend([u, v])
    return tuple(float(c) for c in np.linalg.solve(np.array(rows), np.array(rhs)))


def scan_pages(n: int, condition: str = "clean", seed: int = 0) -> list[tuple[str, Image.Image]]:
    """``n`` pages (cycling through ``PAGES`` and both fonts) as (source text, image)."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        text = PAGES[i % len(PAGES)]
        font = FONTS[(i // len(PAGES) + i) % len(FONTS)]
        out.append((text, degrade(render(text, font), condition, seed=rnd.randrange(1 << 30))))
    return out
