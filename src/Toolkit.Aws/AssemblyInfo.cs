// The AWS half of the engine: Core never references AWS packages; this assembly adds what Amazon ECR (and later AWS
// Signer) need on top of it, and the front-ends compose the two.
