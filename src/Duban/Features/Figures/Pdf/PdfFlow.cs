namespace Duban.Features.Figures.Pdf;

/// <summary>
/// Writes a document top to bottom between margins: each line asks for room, and a line that does
/// not fit on the page starts a new one. <see cref="Y"/> is the top of the next line.
/// </summary>
public sealed class PdfFlow
{
    public PdfFlow(PdfDocument document, double margin)
    {
        Document = document;
        Margin = margin;
        Page = document.AddPage();
        Y = margin;
    }

    public PdfDocument Document { get; }
    public double Margin { get; }
    public PdfPage Page { get; private set; }
    public double Y { get; set; }
    public double Left => Margin;
    public double Width => Page.Width - 2 * Margin;

    /// <summary>Starts a new page unless a line this high still fits above the bottom margin.</summary>
    public void Room(double height)
    {
        if (Y + height > Page.Height - Margin) NewPage();
    }

    public void NewPage()
    {
        Page = Document.AddPage();
        Y = Margin;
    }

    /// <summary>One line of text (not wrapped) in a line this high, its baseline at <paramref name="baseline"/> of the height, at <paramref name="x"/>.</summary>
    public void Line(string text, double size, double height, double x, double baseline = 0.75, double gray = 0)
    {
        Room(height);
        Page.Text(x, Y + height * baseline, text, size, gray);
        Y += height;
    }

    /// <summary>A text wrapped to the width left after <paramref name="indent"/>, a line of <paramref name="height"/> each, onto as many pages as it takes.</summary>
    public void Paragraph(string text, double size, double height, double indent = 0)
    {
        foreach (var line in Document.Wrap(text, size, Width - indent)) Line(line, size, height, Left + indent);
    }

    /// <summary>A line centred between the margins.</summary>
    public void Centered(string text, double size, double height, double baseline = 0.8) =>
        Line(text, size, height, Left + (Width - Document.Measure(text, size)) / 2, baseline);

    /// <summary>A line ending at the right margin.</summary>
    public void RightAligned(string text, double size, double height) =>
        Line(text, size, height, Left + Width - Document.Measure(text, size));
}
