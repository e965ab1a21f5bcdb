namespace Duban.Features.Enterprises;

/// <summary>The enterprise lane's pages' text: EnterpriseText.resx (zh-CN, the default) and EnterpriseText.en-US.resx, kept in the module.</summary>
public sealed class EnterpriseText;
