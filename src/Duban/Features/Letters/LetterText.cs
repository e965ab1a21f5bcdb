namespace Duban.Features.Letters;

/// <summary>The letters and visits pages' text: LetterText.resx (zh-CN, the default) and LetterText.en-US.resx, kept in the module.</summary>
public sealed class LetterText;
