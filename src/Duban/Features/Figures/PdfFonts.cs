using Duban.Common;
using Duban.Features.Figures.Pdf;

namespace Duban.Features.Figures;

/// <summary>The Chinese font of the PDFs: the face read from its file, and the file.</summary>
public sealed record PdfFace(TrueTypeFont Font, string File)
{
    public string Family => Font.Family;
}

/// <summary>
/// The Chinese font of the printed documents. <c>Duban:Pdf:FontFile</c> names a TrueType font or
/// collection (.ttf, .ttc), and then only it is tried; without it the defaults are tried in order.
/// The font must have TrueType outlines (the PDF embeds a subset of them): a CFF-outline font such
/// as Debian's Noto CJK is passed over with the reason logged and named in the 503.
/// </summary>
public sealed class PdfFonts(IConfiguration configuration, ILogger<PdfFonts> logger, TimeProvider time)
{
    /// <summary>How long a search that found no font is remembered (each search reads the files again).</summary>
    private static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(1);
    public static readonly string[] DefaultFiles =
    [
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", // Debian fonts-wqy-microhei
        "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", // Debian fonts-droid-fallback
    ];

    private readonly Lock gate = new();
    private PdfFace? face;
    private (Error Error, DateTimeOffset At)? missing;

    /// <summary>The face, loaded once; an error (503) naming what was looked for, and why each was passed over, when there is none.</summary>
    public Result<PdfFace> Face()
    {
        lock (gate)
        {
            // A face found is kept; no face is remembered for a minute, so a font installed later is
            // found without a restart, and a broken one is not read again on every request.
            if (face is not null) return face;
            if (missing is { } recent && time.GetUtcNow() - recent.At < RetryAfter) return recent.Error;
            var loaded = Load();
            if (loaded.IsSuccess) face = loaded.Value;
            else missing = (loaded.Error!, time.GetUtcNow());
            return loaded;
        }
    }

    private Result<PdfFace> Load()
    {
        var configured = configuration["Duban:Pdf:FontFile"];
        var candidates = string.IsNullOrWhiteSpace(configured) ? DefaultFiles : [configured.Trim()];
        var reasons = new List<string>();
        foreach (var file in candidates)
        {
            if (!File.Exists(file))
            {
                reasons.Add($"{file}: not found");
                continue;
            }
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning("PDF font {File} passed over: {Reason}", file, e.Message);
                reasons.Add($"{file}: {e.Message}");
                continue;
            }
            var read = TrueTypeFont.Read(bytes);
            if (read.Value is { } font)
            {
                logger.LogInformation("PDF font: {Family} from {File}", font.Family, file);
                return new PdfFace(font, file);
            }
            var reason = read.Error!.Message;
            logger.LogWarning("PDF font {File} passed over: {Reason}", file, reason);
            reasons.Add($"{file}: {reason}");
        }
        // The paths and reasons go to the log (above), not to every signed-in user.
        logger.LogWarning("No usable PDF font: {Reasons}", string.Join("; ", reasons));
        return new Error(503, "pdf_font_missing",
            "没有可用的中文字体（TrueType 轮廓），无法生成PDF；请安装 fonts-wqy-microhei（或 fonts-droid-fallback），或设置 Duban:Pdf:FontFile / " +
            "no usable Chinese font for PDFs (the log names the files looked for); install fonts-wqy-microhei (or fonts-droid-fallback), or set Duban:Pdf:FontFile to a TrueType font");
    }
}
