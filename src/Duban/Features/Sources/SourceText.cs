namespace Duban.Features.Sources;

/// <summary>The sources pages' text: SourceText.resx (zh-CN, the default) and SourceText.en-US.resx, kept in the module.</summary>
public sealed class SourceText;
