namespace Duban.Web;

/// <summary>The pages' text: UiText.resx (zh-CN, the default) and UiText.en-US.resx.</summary>
public sealed class UiText;
