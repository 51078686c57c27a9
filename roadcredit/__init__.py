"""roadcredit: the road-transport credit and electronic-licence platform."""
