namespace Toolkit.Aws.Tests;
