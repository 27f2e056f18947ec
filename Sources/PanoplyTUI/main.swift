print("panoply")
