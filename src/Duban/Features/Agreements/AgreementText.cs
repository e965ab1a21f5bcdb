namespace Duban.Features.Agreements;

/// <summary>The agreements page's text: AgreementText.resx (zh-CN, the default) and AgreementText.en-US.resx, kept in the module.</summary>
public sealed class AgreementText;
